"""Reddit comment pages."""

from __future__ import annotations

from postmortem.ingest import load
from tests._shared_data import FIXTURES, shared_data


def test_comment_page_tree_stubs_and_deleted() -> None:
    collection = load(FIXTURES / "reddit" / "comments.json")
    thread = collection.threads[0]
    posts = {p.id: p for p in thread.posts}
    assert collection.source.format == "reddit"
    assert thread.title == "Acme never delivered my sofa – Åkesson model"
    root = posts["1b3xyz9"]
    assert (root.kind, root.parent_id, root.author, root.likes) == ("post", None, "mira_k", 87)
    assert root.text.endswith("Anyone else? 🛋️")
    assert posts["kq2c001"].parent_id == "1b3xyz9"
    assert posts["kq2c002"].text == "[deleted]"  # kept as a placeholder: its reply stays attached
    assert posts["kq2c003"].parent_id == "kq2c002"
    assert "& we’ll" in posts["kq2c003"].text
    assert posts["kq2c004"].likes is None  # negative score
    assert "مرحبا" in posts["kq2c004"].text
    assert posts["kq2c003"].url == "https://www.reddit.com/r/sofas/comments/1b3xyz9/acme_never_delivered/kq2c003/"
    cov = collection.coverage
    # more: 5 (count) + 1 ("continue this thread", count 0) + 1 deleted body
    assert (cov.records_read, cov.posts_loaded, cov.duplicates_merged, cov.stubs, cov.orphans) == (8, 5, 1, 7, 0)


def test_real_pages_counts() -> None:
    """Checked by walking raw.json with json: 49l01s has 194 comments, 13 'more' stubs hiding
    45 comments (one 'continue this thread' with count 0, counted as 1) and 4 '[deleted]' bodies."""
    big = load(shared_data("reddit/49l01s/raw.json")).coverage
    assert (big.records_read, big.posts_loaded, big.stubs, big.orphans) == (208, 195, 46 + 4, 0)
    small = load(shared_data("reddit/6a4cji/raw.json")).coverage
    assert (small.records_read, small.posts_loaded, small.stubs) == (8, 8, 0)
    both = load(shared_data("reddit"))
    assert len(both.threads) == 2 and both.posts == 203
