from __future__ import annotations

from postmortem.timeline import (
    DEPTH,
    ID,
    ORPHAN,
    PARENT_ID,
    ROOT_ID,
    effective_parents,
    identify_company,
    mentions,
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
