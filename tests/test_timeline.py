from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from postmortem.timeline import (
    DEPTH,
    ID,
    ORPHAN,
    PARENT_ID,
    ROOT_ID,
    _depth_and_root,
    effective_parents,
    identify_company,
    mentions,
    reply_tree,
    to_frame,
)
from tests.conftest import make_thread


def test_frame_has_depth_root_and_orphans() -> None:
    thread = make_thread(
        [
            ("1", None, "a", 0, "root"),
            ("2", "1", "b", 1, "reply"),
            ("3", "2", "a", 2, "reply to reply"),
            ("4", "missing", "c", 3, "parent not exported"),
        ]
    )
    frame = to_frame(thread)
    assert frame[ID].tolist() == ["1", "2", "3", "4"]
    assert frame[DEPTH].tolist() == [0, 1, 2, 0]
    assert frame[ROOT_ID].tolist() == ["1", "1", "1", "4"]
    assert frame[ORPHAN].tolist() == [False, False, False, True]
    assert frame[PARENT_ID].tolist() == ["1" if i == 1 else x for i, x in enumerate([None, "1", "2", None])]


def test_reply_cycle_is_cut_at_its_earliest_post() -> None:
    # a -> b -> c -> a: the earliest (a) becomes a root.
    assert effective_parents(["a", "b", "c"], ["c", "a", "b"]) == [None, "a", "b"]


def test_self_reply_becomes_root() -> None:
    assert effective_parents(["a"], ["a"]) == [None]


def _reference_tree(ids: list[str], declared: list[str | None]) -> tuple[object, ...]:
    parents = effective_parents(ids, declared)
    return (parents, *_depth_and_root(ids, parents))


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_reply_tree_matches_the_dictionary_walk(data: st.DataObject) -> None:
    """The array version (unique ids, parents first) and the fallbacks (cycles, replies before
    their parent, duplicate ids, missing parents, self-replies) give the reference result."""
    n = data.draw(st.integers(1, 40))
    ids = data.draw(st.lists(st.sampled_from([f"p{i}" for i in range(n + 3)]), min_size=n, max_size=n))
    if data.draw(st.booleans()):
        ids = list(dict.fromkeys(ids))  # mostly unique
    pool = [*ids, "missing", None]
    ordered = data.draw(st.booleans())
    declared = [
        data.draw(st.sampled_from([*ids[:k], "missing", None] if ordered and k else pool)) for k in range(len(ids))
    ]
    from unittest import mock

    with mock.patch("postmortem.timeline.ARRAY_TREE_FROM", 0):  # the array version, on small inputs
        assert reply_tree(ids, declared) == _reference_tree(ids, declared)
    assert reply_tree(ids, declared) == _reference_tree(ids, declared)  # small threads: the walk


def test_reply_tree_deep_chain() -> None:
    ids = [str(i) for i in range(5000)]
    declared = [None, *ids[:-1]]
    parents, depth, root = reply_tree(ids, declared)
    assert depth == list(range(5000)) and set(root) == {"0"} and parents == declared


def test_mentions_are_normalised() -> None:
    assert mentions("hey @AcmeCo and @bob_2, see @AcmeCo.") == {"acmeco", "bob_2"}


def test_company_given_wins() -> None:
    thread = make_thread([("1", None, "a", 0, "x"), ("2", "1", "Shop", 1, "y")])
    accounts = identify_company(thread, ["@SHOP"])
    assert accounts.handles == ("shop",) and accounts.display == ("Shop",)
    assert accounts.reason == "given with --company"


def test_company_named_by_export() -> None:
    thread = make_thread([("1", None, "a", 0, "x"), ("2", "1", "Shop", 1, "y")], company=("shop",))
    assert identify_company(thread).handles == ("shop",)
    assert "named by" in identify_company(thread).reason


def test_company_inferred_from_mentions_and_replies(small_thread) -> None:
    accounts = identify_company(small_thread)
    assert accounts.handles == ("acmeco",)
    assert accounts.reason.startswith("inferred")


def test_no_company_when_nobody_replies() -> None:
    thread = make_thread([("1", None, "a", 0, "x"), ("2", None, "b", 1, "y")])
    accounts = identify_company(thread)
    assert accounts.handles == ()
    assert "--company" in accounts.reason
