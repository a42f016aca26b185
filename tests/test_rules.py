"""The rulebook: the safe expression evaluator, loading and overriding rules, and lessons from threads."""

from __future__ import annotations

from pathlib import Path

import pytest

from postmortem.analysis import analyse
from postmortem.errors import UsageError
from postmortem.ingest import load
from postmortem.lessons.audit import audit_thread
from postmortem.lessons.rules import (
    ExpressionError,
    action_items,
    apply_rules,
    fact_names,
    lesson_quotes,
    load_rules,
    parse_expression,
    quote,
)
from tests.conftest import make_thread

SMALL = Path(__file__).parent / "data" / "generic" / "small.csv"

WENT_BADLY = {
    "slow-first-response", "unanswered-complaints", "sarcasm-or-condescension", "arguing-with-customer",
    "made-light-of-criticism", "no-apology", "no-empathy", "no-problem-phrase", "customer-burden", "no-next-steps",
    "broken-promise", "canned-replies", "self-promotion-during-crisis", "pile-on",
}  # fmt: skip
WENT_WELL = {
    "prompt-response", "apologised", "empathy-shown", "took-offline", "personal-touch", "solution-offered",
    "clear-next-steps", "followed-through", "resolved",
}  # fmt: skip


# --- the evaluator ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "facts", "expected"),
    [
        ("audit.count.sarcasm >= 1", {"audit.count.sarcasm": 2.0}, True),
        ("response.first_response_s > 4 * response.target_s", {"response.first_response_s": 5e3, "response.target_s": 1e3}, True),  # noqa: E501
        ("not (replies.count == 0) and audit.count.apology == 0", {"replies.count": 3, "audit.count.apology": 0}, True),
        ("response.first_response_s > 60", {"response.first_response_s": None}, False),
        ("response.first_response_s == none", {"response.first_response_s": None}, True),
        ("response.unanswered / response.inbound > 0.5", {"response.unanswered": 1.0, "response.inbound": 0.0}, False),
        ("-sentiment.drift > 0.2 or false", {"sentiment.drift": -0.3}, True),
    ],
)  # fmt: skip
def test_evaluator(source: str, facts: dict[str, float | None], expected: bool) -> None:
    assert bool(parse_expression(source, fact_names()).evaluate(facts)) is expected


@pytest.mark.parametrize(
    "source",
    [
        "__import__('os').system('id')",
        "audit.count.sarcasm.__class__",
        "open('/etc/passwd')",
        "response.inbound[0]",
        "lambda: 1",
        "1 if true else 0",
        "response.inbound; 1",
        "1 < response.inbound < 3",
        "audit.count.nonsense >= 1",
        "",
        "(1 + 2",
    ],
)
def test_evaluator_rejects_unsafe_or_invalid_expressions(source: str) -> None:
    with pytest.raises(ExpressionError):
        parse_expression(source, fact_names())


# --- loading ----------------------------------------------------------------------------------


def test_package_rulebook_has_every_stable_id() -> None:
    book = load_rules()
    ids = {rule.id for rule in book.rules}
    assert ids == WENT_BADLY | WENT_WELL
    for rule in book.rules:
        assert (rule.verdict == "went_badly") is (rule.id in WENT_BADLY)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rules.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_user_file_overrides_by_id_and_adds_rules(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
[rules.no-problem-phrase]
severity = "medium"

[rules.pile-on]
enabled = false

[rules.many-replies]
verdict = "went_well"
when = "replies.count >= 2"
title = "The company replied {replies.count} times"
evidence = "flag:personal_touch"
why = "Stayed in the thread."
recommendation = "Keep it up."
""",
    )
    book = load_rules(path)
    assert book.get("pile-on") is None
    assert book.get("no-problem-phrase").severity[0].value == "medium"  # type: ignore[union-attr]
    assert book.get("no-problem-phrase").title == load_rules().get("no-problem-phrase").title  # type: ignore[union-attr]
    analysis = analyse(load(SMALL).threads[0])
    lessons = apply_rules(analysis, audit_thread(analysis.posts), book)
    added = next(lesson for lesson in lessons if lesson.id == "many-replies")
    assert added.title == "The company replied 2 times"


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ('[rules.pile-on]\nwhen = "crowd.negative_authors >>= 3"\n', "rule 'pile-on', field 'when'"),
        ('[rules.pile-on]\nwhen = "__import__(1)"\n', "rule 'pile-on', field 'when'"),
        ('[rules.pile-on]\nseverity = "critical"\n', "rule 'pile-on', field 'severity'"),
        ('[rules.pile-on]\ncolour = "red"\n', "rule 'pile-on', field 'colour'"),
        ('[rules.pile-on]\nevidence = "everything"\n', "rule 'pile-on', field 'evidence'"),
        ('[rules.pile-on]\ntitle = "{secret.key}"\n', "rule 'pile-on', field 'title'"),
        ('[rules.new-one]\nverdict = "went_well"\n', "rule 'new-one', field 'title'"),
        ("[rules.pile-on\n", "not valid TOML"),
        ("[other]\nx = 1\n", "unknown top-level key 'other'"),
    ],
)
def test_bad_user_file_names_file_rule_and_field(tmp_path: Path, text: str, needle: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(UsageError) as error:
        load_rules(path)
    assert str(path) in str(error.value)
    assert needle in str(error.value)


# --- lessons ----------------------------------------------------------------------------------


def post(post_id: str, parent: str | None, author: str, minutes: float, text: str) -> tuple:
    return (post_id, parent, author, minutes, text)


def lessons_for(posts: list[tuple]) -> tuple:
    analysis = analyse(make_thread(posts, company=("acme",)))
    return apply_rules(analysis, audit_thread(analysis.posts), load_rules())


def test_no_company_reply_gives_only_the_plain_lesson() -> None:
    lessons = lessons_for(
        [
            post("1", None, "ann", 0, "@acme my order never arrived, terrible service"),
            post("2", "1", "bob", 10, "@acme same here, awful"),
            post("3", "1", "cat", 20, "@acme worst company ever, still waiting"),
            post("4", "1", "dan", 30, "@acme terrible, I hate this"),
        ]
    )
    assert [lesson.id for lesson in lessons] == ["unanswered-complaints"]
    only = lessons[0]
    assert only.severity == "high" and only.title.startswith("The company never replied")
    assert not any(lesson.verdict == "went_well" for lesson in lessons)


def test_sarcastic_thread_gets_the_lessons_a_pr_person_would_name() -> None:
    lessons = lessons_for(
        [
            post("1", None, "ann", 0, "@acme my blender broke after two days, terrible"),
            post("2", "1", "acme", 300, "@ann Maybe read the manual? 🙄"),
            post("3", "2", "ann", 310, "@acme wow. just wow."),
            post("4", "3", "acme", 320, "@ann Thanks for the free advertising!"),
        ]
    )
    ids = [lesson.id for lesson in lessons]
    assert ids[0] == "sarcasm-or-condescension"
    assert {"slow-first-response", "no-apology", "no-empathy", "no-next-steps"} <= set(ids)
    assert "apologised" not in ids
    sarcasm = lessons[0]
    assert sarcasm.severity == "high" and sarcasm.evidence == ("2", "4")
    assert sarcasm.title == "Sarcasm or condescension in 2 replies from the company"


GOOD_REPLY = (
    "@ann I'm so sorry, Ann, that's frustrating. I've sent a replacement; "
    "it arrives tomorrow and I'll check in then. -Jo"
)


def test_good_thread_gets_virtues_and_no_complaint_lessons() -> None:
    lessons = lessons_for(
        [
            post("1", None, "ann", 0, "@acme my order never arrived"),
            post("2", "1", "acme", 20, GOOD_REPLY),
            post("3", "2", "ann", 30, "@acme thank you!"),
            post("4", "3", "acme", 1500, "@ann Did it arrive OK? -Jo"),
            post("5", "4", "ann", 1510, "@acme yes, all sorted, thanks Jo"),
        ]
    )  # fmt: skip
    verdicts = {lesson.id: lesson.verdict for lesson in lessons}
    assert {"prompt-response", "apologised", "empathy-shown", "solution-offered", "clear-next-steps",
            "followed-through", "resolved", "personal-touch"} <= set(verdicts)  # fmt: skip
    assert all(v == "went_well" for v in verdicts.values())


def test_quotes_and_action_items() -> None:
    analysis = analyse(load(SMALL).threads[0])
    audit = audit_thread(analysis.posts)
    book = load_rules()
    lessons = apply_rules(analysis, audit, book)
    assert quote(analysis.posts, "1", max_chars=20).endswith("\u2026")
    assert len(quote(analysis.posts, "1", max_chars=20)) == 20
    quotes = lesson_quotes(lessons[0], analysis.posts, audit, book)
    assert [q.post_id for q in quotes] == list(lessons[0].evidence)
    items = action_items(lessons, book)
    assert 3 <= len(items) <= 7
    assert all(item.owner == "(owner)" and item.due.startswith("+") for item in items)
    assert items[0].lesson_ids == (lessons[0].id,)
    assert action_items((), book)  # an empty post-mortem still gets the review items
    assert len(action_items((), book)) == 3


EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.mark.parametrize(
    ("folder", "company", "expected"),
    [
        (
            "bodybugg",
            ["BodyBugg"],
            {
                "sarcasm-or-condescension",
                "unanswered-complaints",
                "pile-on",
                "slow-first-response",
                "no-problem-phrase",
            },
        ),
        ("restaurant", None, {"made-light-of-criticism", "self-promotion-during-crisis"}),
        ("airline", None, {"canned-replies", "self-promotion-during-crisis"}),
    ],
)
def test_examples_get_the_lessons_a_pr_professional_would_name(
    folder: str, company: list[str] | None, expected: set[str]
) -> None:
    from postmortem import api

    candidates = sorted((EXAMPLES / folder).glob("*.json")) + sorted((EXAMPLES / folder).glob("*.csv"))
    if not candidates:
        pytest.skip(f"no example in examples/{folder}")
    thread = api.load_thread(candidates[0])
    analysis = api.analyse(thread, company=company) if company else api.analyse(thread)
    lessons = apply_rules(analysis, audit_thread(analysis.posts), load_rules())
    assert expected <= {lesson.id for lesson in lessons}
