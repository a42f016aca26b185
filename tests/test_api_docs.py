"""docs/api.md runs: every ```python block, in order, in one namespace, from an empty folder.

The examples' paths in the page (``examples/...``) resolve to the repository's examples through
a link in that folder, exactly as they do for a user in a clone; outputs land in the folder.
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, REPO

API_DOC = REPO / "docs" / "api.md"
FENCE = re.compile(r"^```python[ \t]*\n(.*?)^```[ \t]*$", re.DOTALL | re.MULTILINE)


def python_blocks(markdown: str) -> list[tuple[int, str]]:
    """(line number, code) of every fenced ```python block, in order."""
    return [(markdown.count("\n", 0, m.start()) + 2, m.group(1)) for m in FENCE.finditer(markdown)]


def test_page_has_a_walkthrough() -> None:
    blocks = python_blocks(API_DOC.read_text(encoding="utf-8"))
    assert len(blocks) >= 10
    code = "\n".join(c for _, c in blocks)
    for call in ("api.load_thread(", "api.analyse(", "api.render_outputs(", "api.write_report("):
        assert call in code


def test_documented_posts_columns_are_the_real_ones(bodybugg_analysis: object) -> None:
    """The column table lists exactly the posts frame's columns, in order."""
    text = API_DOC.read_text(encoding="utf-8")
    section = text.split("## Posts", 1)[1].split("\n## ", 1)[0]
    documented = re.findall(r"^\| `([a-z_]+)` \|", section, flags=re.MULTILINE)
    assert documented == list(bodybugg_analysis.posts.columns)  # type: ignore[attr-defined]


@pytest.mark.slow
def test_every_python_block_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "examples").symlink_to(EXAMPLES, target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "__api_doc__"}
    for line, code in python_blocks(API_DOC.read_text(encoding="utf-8")):
        with contextlib.redirect_stdout(io.StringIO()):
            try:
                exec(compile(code, f"{API_DOC}:{line}", "exec"), namespace)
            except Exception as exc:  # pragma: no cover - the message is the point
                raise AssertionError(f"docs/api.md block at line {line} failed: {type(exc).__name__}: {exc}") from exc
    assert (tmp_path / "bodybugg.pdf").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bodybugg.json", "bodybugg.pdf", "examples"]
