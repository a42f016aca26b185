"""Format detection, `formats()`, and clean errors for bad input (plus a quick fuzz per loader)."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from postmortem.errors import InputError, PostmortemError
from postmortem.ingest import detect, formats, load, parse_raw, read_raw
from postmortem.ingest.common import RawInput
from tests._shared_data import FIXTURES, shared_data

FIXTURE_FORMATS = [
    ("twcs/support.csv", "twcs-csv"),
    ("twcs/mangled.csv", "twcs-csv"),
    ("facebook/your_posts_1.json", "facebook-dyi"),
    ("facebook/comments.json", "facebook-dyi"),
    ("facebook/graph_feed.json", "facebook-graph"),
    ("x_archive/tweets.js", "x-archive"),
    ("x_archive/archive", "x-archive"),
    ("x_api/search_page.json", "x-api-v2"),
    ("x_api/flat.jsonl", "twarc2-jsonl"),
    ("reddit/comments.json", "reddit"),
    ("mastodon/context.json", "mastodon-context"),
    ("mastodon/outbox.json", "mastodon-outbox"),
    ("pheme", "pheme"),
    ("generic/small.csv", "generic-csv"),
    ("generic/spreadsheet.csv", "generic-csv"),
]
REAL_FORMATS = [
    ("twcs/twcs_dev.csv", "twcs-csv"),
    ("facebook_dyi/your_posts_1.json", "facebook-dyi"),
    ("x_archive/tweets.js", "x-archive"),
    ("twarc2/flat.jsonl", "twarc2-jsonl"),
    ("reddit/49l01s/raw.json", "reddit"),
    ("reddit/49l01s", "reddit"),
    ("mastodon_archive/outbox.json", "mastodon-outbox"),
    ("pheme_germanwings", "pheme"),
]
GENERIC = {"generic-json", "generic-csv"}


def _claims(raw: RawInput) -> list[str]:
    return [s.name for s in formats() if s.name not in GENERIC and (s.folders or not raw.members) and s.sniff(raw)]


def _assert_only(raw: RawInput, expected: str) -> None:
    assert detect(raw).name == expected
    assert _claims(raw) == ([] if expected in GENERIC else [expected])


@pytest.mark.parametrize(("relative", "expected"), FIXTURE_FORMATS)
def test_fixture_detected_as_its_own_format_only(relative: str, expected: str) -> None:
    _assert_only(read_raw(FIXTURES / relative), expected)


@pytest.mark.parametrize(("relative", "expected"), REAL_FORMATS)
def test_real_file_detected_as_its_own_format_only(relative: str, expected: str) -> None:
    _assert_only(read_raw(shared_data(relative)), expected)


def test_every_format_is_described() -> None:
    specs = formats()
    names = [s.name for s in specs]
    assert len(names) == len(set(names)) == 12
    assert names[-2:] == ["generic-json", "generic-csv"]
    for spec in specs:
        assert spec.description and spec.identifies and "\n" not in spec.description


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'[{"kind": "Listing", "data": {"children": [{"kind": "t3", "data": {"id": "a"', "truncated JSON at line 1"),
        (b'{"ancestors": [], "descendants": [{"id": "1"}]}', "descendants 1, field 'account'"),
        (b'window.YTD.tweets.part0 = [ {"tweet": {"id_str": "1"}} ]', "record 1, field 'created_at'"),
        (b'{"data": [{"id": "1", "text": "hi", "author_id": "2"}], "includes": {}}', "tweet 1, field 'created_at'"),
        (b"[]", "unrecognised file format"),
        (b"", "unrecognised file format"),
        (b"\x89PNG\r\n\x1a\n", "unrecognised file format"),
    ],
)
def test_bad_input_is_one_clear_line(data: bytes, message: str) -> None:
    with pytest.raises(InputError) as err:
        parse_raw(RawInput(path="in.json", data=data))
    assert message in str(err.value) and str(err.value).startswith("in.json")
    assert "\n" not in str(err.value)


def test_file_of_another_format_forced() -> None:
    with pytest.raises(InputError, match="--format reddit was forced, but it looks like mastodon-context"):
        load(FIXTURES / "mastodon" / "context.json", fmt="reddit")


def test_empty_thread_is_an_error() -> None:
    with pytest.raises(InputError, match="no posts found"):
        parse_raw(RawInput(path="c.json", data=b'{"ancestors": [], "descendants": []}'))


FUZZ_TARGETS = [(rel, fmt) for rel, fmt in FIXTURE_FORMATS if not (FIXTURES / rel).is_dir()]


@pytest.mark.parametrize(("relative", "fmt"), FUZZ_TARGETS)
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutated_fixture_loads_or_fails_cleanly(relative: str, fmt: str, data: st.DataObject) -> None:
    original = (FIXTURES / relative).read_bytes()
    mutated = _mutate(original, data)
    for forced in (None, fmt):
        with contextlib.suppress(PostmortemError):
            parse_raw(RawInput(path="fuzz", data=mutated), forced)


def _mutate(original: bytes, data: st.DataObject) -> bytes:
    size = len(original)
    start = data.draw(st.integers(0, size))
    end = data.draw(st.integers(start, min(size, start + 40)))
    insert = data.draw(st.binary(max_size=8) | st.sampled_from([b'"', b"{", b"]", b",", b"null", b"\n", b"0"]))
    cut = data.draw(st.booleans())
    return original[:start] if cut else original[:start] + insert + original[end:]


@pytest.mark.fuzz
@pytest.mark.parametrize(("relative", "fmt"), FUZZ_TARGETS)
@settings(max_examples=2000, deadline=None)
@given(data=st.data())
def test_long_fuzz(relative: str, fmt: str, data: st.DataObject) -> None:
    test_mutated_fixture_loads_or_fails_cleanly.hypothesis.inner_test(relative, fmt, data)  # type: ignore[attr-defined]


def test_folder_members_paths_in_errors(tmp_path: Path) -> None:
    bad = tmp_path / "t" / "1" / "source-tweet"
    bad.mkdir(parents=True)
    (bad / "1.json").write_text('{"id_str": "1", "text": "x"', encoding="utf-8")
    with pytest.raises(InputError, match=r"t/1/source-tweet/1.json: truncated JSON"):
        load(tmp_path / "t")
