"""PHEME / RumourEval conversation folders."""

from __future__ import annotations

import zipfile
from pathlib import Path

from postmortem.ingest import load
from tests._shared_data import FIXTURES, shared_data

PHEME = FIXTURES / "pheme"
SOURCE = "580319078155468800"


def test_thread_folder_and_parent_folder() -> None:
    for path in (PHEME, PHEME / SOURCE):
        collection = load(path)
        assert collection.source.format == "pheme"
        thread = collection.threads[0]
        posts = {p.id: p for p in thread.posts}
        assert thread.conversation_id == SOURCE
        assert posts[SOURCE].author == "AcmeHelp" and posts[SOURCE].shares == 120
        assert posts["580325778207932416"].parent_id == "580319546592112640"
        assert posts["580319546592112640"].author_name == "Zoë Núñez"
        # a hand-made "RT @" inside a reply is text, not a retweet
        assert posts["580319644218687488"].kind == "reply"
        cov = collection.coverage
        assert (cov.records_read, cov.posts_loaded, cov.stubs, cov.orphans) == (4, 4, 2, 0)


def test_zip_of_thread_folders(tmp_path: Path) -> None:
    target = tmp_path / "threads.zip"
    with zipfile.ZipFile(target, "w") as archive:
        for path in PHEME.rglob("*.json"):
            archive.write(path, "germanwings/" + path.relative_to(PHEME).as_posix())
    assert load(target).coverage.posts_loaded == 4


def test_real_germanwings_counts() -> None:
    """Checked with json: 10 folders, 124 tweet files, 7 ids in structure.json without a file."""
    collection = load(shared_data("pheme_germanwings"))
    cov = collection.coverage
    assert len(collection.threads) == 10
    assert (cov.records_read, cov.posts_loaded, cov.stubs, cov.orphans) == (124, 124, 7, 0)
    sizes = {t.conversation_id: len(t.posts) for t in collection.threads}
    assert sizes["580319078155468800"] == 33 and sizes["580325090367315968"] == 43
