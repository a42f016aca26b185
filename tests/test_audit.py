"""Reply audit: each detector on its own, the thread-level detectors, and measured precision/recall floors."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from postmortem.lessons.audit import (
    FLAG_NAMES,
    ReplyContext,
    audit_reply,
    audit_thread,
    audit_to_dict,
    classify_strategy,
    detect_flags,
    find_canned,
    is_complaint,
    signature_name,
)
from postmortem.lessons.suggest import issue_words, suggest_reply
from postmortem.timeline import (
    ADDRESSED,
    AUTHOR,
    AUTHOR_HANDLE,
    AUTHOR_NAME,
    CREATED_AT,
    ID,
    IS_COMPANY,
    PARENT_ID,
    RESPONSE_S,
    ROLE,
    SENTIMENT,
    TEXT,
)

LABELLED = Path(__file__).parent / "data" / "audit" / "labelled_replies.csv"
COMPLAINT = ReplyContext(parent_text="@Acme my order never arrived, terrible", parent_negative=True)
PRAISE = ReplyContext(parent_text="@Acme love the new menu!", parent_negative=False)


def names(text: str, context: ReplyContext | None = None) -> set[str]:
    return {flag.name for flag in detect_flags(text, context)}


# --- one test per flag: positives and hard negatives ---------------------------------------------


@pytest.mark.parametrize(
    ("text", "present"),
    [
        ("@a We're so sorry about the delay.", True),
        ("@a Our apologies for the mix-up.", True),
        ("@a We're sorry you feel that way.", False),
        ("@a Sorry, we're not mind readers.", False),
        ("@a No need to apologise!", False),
    ],
)
def test_apology(text: str, present: bool) -> None:
    assert ("apology" in names(text, COMPLAINT)) is present


@pytest.mark.parametrize(
    ("text", "present"),
    [
        ("@a I understand how frustrating that is.", True),
        ("@a That must have been stressful.", True),
        ("@a That's not the experience we want for you.", True),
        ("@a We don't understand what you mean.", False),
        ("@a Please understand that our policy applies.", False),
    ],
)
def test_empathy(text: str, present: bool) -> None:
    assert ("empathy" in names(text, COMPLAINT)) is present


@pytest.mark.parametrize(
    ("text", "present"),
    [
        ("@a The flight was delayed due to fog in Paris.", True),
        ("@a There's an outage in your area.", True),
        ("@a Can you DM us your order number?", False),
    ],
)
def test_explanation(text: str, present: bool) -> None:
    assert ("explanation" in names(text)) is present


@pytest.mark.parametrize(
    ("text", "present"),
    [
        ("@a I've refunded the order in full.", True),
        ("@a Please try restarting the router.", True),
        ("@a We can't refund digital content.", False),
        ("@a Please contact the sender to request a replacement.", False),
    ],
)
def test_solution(text: str, present: bool) -> None:
    assert ("solution" in names(text)) is present


@pytest.mark.parametrize(
    ("text", "present"),
    [
        ("@a A courier will collect it on Tuesday.", True),
        ("@a You'll see the refund within 5 working days.", True),
        ("@a More episodes land on Friday.", False),
        ("@a Let us know how it goes!", False),
    ],
)
def test_next_steps(text: str, present: bool) -> None:
    assert ("next_steps" in names(text)) is present


@pytest.mark.parametrize(
    ("text", "present"),
    [
        ("@a Please DM us your order number.", True),
        ("@a Check your DMs for the new boarding pass.", True),
        ("@a The manager will call you this evening.", True),
        ("@a Please don't DM us passport details.", False),
        ("@a Our DMs are closed at weekends.", False),
    ],
)
def test_offline(text: str, present: bool) -> None:
    assert ("offline" in names(text)) is present


@pytest.mark.parametrize(
    ("text", "present"),
    [
        ("@a I'll look into it.", True),
        ("@a We're on it. ^MK", True),
        ("@dana Sorry, Dana, that's not right.", True),
        ("@a We're on it.", False),
    ],
)
def test_personal_touch(text: str, present: bool) -> None:
    assert ("personal_touch" in names(text)) is present


@pytest.mark.parametrize(
    ("text", "context", "present"),
    [
        ("@a Have you tried turning it on?", COMPLAINT, True),
        ("@a Maybe read the manual.", COMPLAINT, True),
        ("@a Thanks for the free advertising!", COMPLAINT, True),
        ("@a Because we can 😎", COMPLAINT, True),
        ("@a Sorry for the trouble. Have you tried restarting your phone?", COMPLAINT, False),
        ("@a Thanks for the lovely words!", PRAISE, False),
    ],
)
def test_sarcasm(text: str, context: ReplyContext, present: bool) -> None:
    assert ("sarcasm" in names(text, context)) is present


@pytest.mark.parametrize(
    ("text", "present"),
    [
        ("@a Actually, you weren't charged twice.", True),
        ("@a You should have set a travel notice.", True),
        ("@a As stated in our terms, cancellations take effect at the end of the period.", True),
        ("@a The second charge is the upgrade fee from your new phone order.", False),
        ("@a You didn't do anything wrong, we'll sort it.", False),
    ],
)
def test_arguing(text: str, present: bool) -> None:
    assert ("arguing" in names(text, COMPLAINT)) is present


@pytest.mark.parametrize(
    ("text", "context", "present"),
    [
        ("@a Dave just loves his job!", COMPLAINT, True),
        ("@a 😂", COMPLAINT, True),
        ("@a lol relax", COMPLAINT, True),
        ("@a Haha we love to hear it! 😂", PRAISE, False),
        ("@a Haha sorry! We'll get it right next time 😂", COMPLAINT, False),
    ],
)
def test_made_light(text: str, context: ReplyContext, present: bool) -> None:
    assert ("made_light" in names(text, context)) is present


@pytest.mark.parametrize(
    ("text", "present"),
    [
        ("@a No problem!", True),
        ("@a np! ^RS", True),
        ("@a Not a problem at all, enjoy!", True),
        ("@a It's not a problem at all for us to fix this.", False),
        ("@a There's no problem with your account.", False),
    ],
)
def test_no_problem(text: str, present: bool) -> None:
    assert ("no_problem" in names(text)) is present


def test_no_problem_answering_a_question_is_a_yes() -> None:
    question = ReplyContext(parent_text="@Acme can I return it without a receipt?")
    assert "no_problem" not in names("@a Yes, that's no problem.", question)


@pytest.mark.parametrize(
    ("text", "present"),
    [
        ("@a Please call our support line at 1-800-555-0199.", True),
        ("@a Please fill out the form at acme.example/help.", True),
        ("@a You'll need to contact the seller.", True),
        ("@a Please DM us your order number.", False),
        ("@a I've raised a claim for you; please also email us the receipt.", False),
    ],
)
def test_customer_burden(text: str, present: bool) -> None:
    assert ("customer_burden" in names(text)) is present


@pytest.mark.parametrize(
    ("text", "present"),
    [
        ("@a I'll get back to you by Friday.", True),
        ("@a Someone will call you within 2 hours.", True),
        ("@a We'll keep you posted.", True),
        ("@a I'll keep an eye on it.", False),
    ],
)
def test_follow_up_promise(text: str, present: bool) -> None:
    assert ("follow_up_promise" in names(text)) is present


def test_flags_carry_spans_into_the_original_text() -> None:
    text = "@alice We’re so sorry, Alice. Please DM us. -Jo"
    for flag in detect_flags(text):
        assert text[flag.span[0] : flag.span[1]] == flag.evidence
        assert flag.name in FLAG_NAMES


def test_signature_name() -> None:
    assert signature_name("@a Thanks! -Jo") == "Jo"
    assert signature_name("@a Thanks! ^MK") == "MK"
    assert signature_name("@a Thanks!") is None


def test_complaint_detection_covers_neutral_statements_but_not_thanks() -> None:
    assert is_complaint("@Acme delivery came at 11pm", 0.0)
    assert not is_complaint("@Acme thanks for the help!", 0.4)
    assert not is_complaint("@Acme can I change my flight?", 0.0)


# --- SCCT -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "context", "strategy"),
    [
        ("@a Actually, you weren't charged twice.", COMPLAINT, "deny"),
        ("@a Dave just loves his job! 😂", COMPLAINT, "diminish"),
        ("@a We don't offer refunds on downloads.", COMPLAINT, "diminish"),
        ("@a I'm so sorry. I've refunded you.", COMPLAINT, "rebuild"),
        ("@a We pride ourselves on great service.", COMPLAINT, "bolster"),
        ("@a Can you DM us your order number?", COMPLAINT, "none"),
    ],
)
def test_strategy(text: str, context: ReplyContext, strategy: str) -> None:
    got, reason = classify_strategy(text, detect_flags(text, context))
    assert got == strategy
    assert reason.startswith(strategy)


# --- measured on the labelled set ---------------------------------------------------------------

# Floors set from the measurements in docs/lessons.md (all 312 replies), a few points below them.
FLOORS = {
    "apology": (0.95, 0.95),
    "empathy": (0.95, 0.85),
    "explanation": (0.90, 0.75),
    "solution": (0.85, 0.85),
    "next_steps": (0.90, 0.90),
    "offline": (0.90, 0.90),
    "personal_touch": (0.95, 0.95),
    "sarcasm": (0.90, 0.85),
    "arguing": (0.90, 0.85),
    "made_light": (0.90, 0.90),
    "no_problem": (0.90, 0.90),
    "customer_burden": (0.90, 0.80),
    "follow_up_promise": (0.95, 0.90),
}


def _labelled() -> list[dict[str, str]]:
    with LABELLED.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def measured() -> tuple[dict[str, tuple[float, float]], float]:
    from postmortem.analysis.sentiment import VaderScorer

    rows = _labelled()
    sentiments = VaderScorer().score([r["context"] for r in rows])
    counts = {name: [0, 0, 0] for name in FLAG_NAMES}
    right = 0
    for row, sentiment in zip(rows, sentiments, strict=True):
        context = ReplyContext(parent_text=row["context"], parent_negative=is_complaint(row["context"], sentiment))
        audit = audit_reply(row["id"], "c", row["text"], context)
        want = {f for f in row["flags"].split(";") if f}
        got = {f.name for f in audit.flags}
        for name in FLAG_NAMES:
            counts[name][0] += name in want and name in got
            counts[name][1] += name not in want and name in got
            counts[name][2] += name in want and name not in got
        right += audit.strategy == row["strategy"]
    rates = {n: (tp / max(1, tp + fp), tp / max(1, tp + fn)) for n, (tp, fp, fn) in counts.items()}
    return rates, right / len(rows)


def test_labelled_set_is_large_and_covers_every_flag() -> None:
    rows = _labelled()
    assert len(rows) >= 150
    for name in FLAG_NAMES:
        assert sum(name in r["flags"].split(";") for r in rows) >= 10, name
    assert {r["strategy"] for r in rows} == {"deny", "diminish", "rebuild", "bolster", "none"}


@pytest.mark.parametrize("name", FLAG_NAMES)
def test_detector_precision_and_recall_floors(
    measured: tuple[dict[str, tuple[float, float]], float], name: str
) -> None:
    precision, recall = measured[0][name]
    floor_p, floor_r = FLOORS[name]
    assert precision >= floor_p, f"{name} precision {precision:.2f} < {floor_p}"
    assert recall >= floor_r, f"{name} recall {recall:.2f} < {floor_r}"


def test_strategy_accuracy_floor(measured: tuple[dict[str, tuple[float, float]], float]) -> None:
    assert measured[1] >= 0.90


# --- across the thread ------------------------------------------------------------------------


def frame(rows: list[tuple[str, str | None, str, bool, str, int]]) -> pd.DataFrame:
    """A minimal analysed frame: (id, parent, author, is_company, text, minute)."""
    start = pd.Timestamp("2024-03-01T09:00:00Z")
    data = pd.DataFrame(
        {
            ID: [r[0] for r in rows],
            PARENT_ID: [r[1] for r in rows],
            AUTHOR: [r[2] for r in rows],
            AUTHOR_HANDLE: [r[2] for r in rows],
            AUTHOR_NAME: ["Acme Support" if r[3] else r[2].capitalize() for r in rows],
            CREATED_AT: [start + pd.Timedelta(minutes=r[5]) for r in rows],
            TEXT: [r[4] for r in rows],
            IS_COMPANY: [r[3] for r in rows],
        }
    )
    data[SENTIMENT] = [-0.5 if not r[3] else 0.2 for r in rows]
    company_ids = set(data.loc[data[IS_COMPANY], ID])
    data[ADDRESSED] = ~data[IS_COMPANY] & (data[PARENT_ID].isna() | data[PARENT_ID].isin(company_ids))
    data[ROLE] = ["company" if r[3] else "complainant" for r in rows]
    first_reply: dict[str, float] = {}
    for r in rows:
        if r[3] and r[1] is not None and r[1] not in first_reply:
            first_reply[r[1]] = float((r[5] - next(x[5] for x in rows if x[0] == r[1])) * 60)
    data[RESPONSE_S] = [first_reply.get(r[0], float("nan")) if not r[3] else float("nan") for r in rows]
    return data


def test_canned_replies_are_grouped() -> None:
    canned = "We're sorry to hear this. Please DM us your account number so we can help."
    posts = frame(
        [
            ("1", None, "ann", False, "@acme broken", 0),
            ("2", "1", "acme", True, f"@ann {canned} -Jo", 5),
            ("3", None, "bob", False, "@acme broken too", 6),
            ("4", "3", "acme", True, f"@bob {canned} ^KL", 9),
            ("5", None, "cat", False, "@acme still broken", 10),
            ("6", "5", "acme", True, "@cat I've sent a technician, he'll be there at 3pm today.", 12),
        ]
    )
    assert find_canned(posts.loc[posts[IS_COMPANY]]) == (("2", "4"),)


def test_broken_and_kept_promises() -> None:
    posts = frame(
        [
            ("1", None, "ann", False, "@acme my order is lost", 0),
            ("2", "1", "acme", True, "@ann Sorry! I'll get back to you by 5pm.", 5),
            ("3", None, "bob", False, "@acme my refund is late", 6),
            ("4", "3", "acme", True, "@bob Sorry! We'll update you tomorrow.", 7),
            ("5", "2", "ann", False, "@acme any news?", 60),
            ("6", "5", "acme", True, "@ann Your order ships today.", 70),
        ]
    )
    audit = audit_thread(posts)
    assert audit.broken_promises == ("4",)
    assert audit.kept_promises == ("2",)


def test_promotions_during_crisis() -> None:
    posts = frame(
        [
            ("1", None, "ann", False, "@acme my order is lost, terrible", 0),
            ("2", None, "acme", True, "Our summer sale starts now: 20% off everything! 🎉", 30),
            ("3", "1", "acme", True, "@ann So sorry, Ann. I've sent a replacement.", 60),
            ("4", None, "acme", True, "New flavours in store this week!", 90),
        ]
    )
    assert audit_thread(posts).promotions_during_crisis == ("2",)


def test_went_badly_replies_get_a_suggestion_addressed_to_the_customer() -> None:
    posts = frame(
        [
            ("1", None, "ann", False, "@acme my order never arrived and the refund is late", 0),
            ("2", "1", "acme", True, "@ann Maybe read the tracking page? -Jo", 5),
        ]
    )
    reply = audit_thread(posts).replies[0]
    assert reply.verdict == "went_badly" and reply.has("sarcasm")
    assert reply.suggestion is not None
    assert reply.suggestion.startswith("@ann ")
    assert "order" in reply.suggestion and "refund" in reply.suggestion
    assert reply.suggestion.endswith("-Jo")
    assert audit_to_dict(audit_thread(posts))["replies"][0]["suggestion"] == reply.suggestion  # type: ignore[index]


def test_suggestion_is_deterministic_and_thanks_get_a_closer() -> None:
    audit = audit_reply("9", "acme", "@ann No problem!", ReplyContext(parent_text="thanks!"))
    text = suggest_reply(audit, "@acme thanks!", "ann", "Acme")
    assert text == suggest_reply(audit, "@acme thanks!", "ann", "Acme")
    assert "You're welcome" in text and "no problem" not in text.casefold()
    assert issue_words("@acme my flight was cancelled and my bag lost") == ["flight", "bag"]


def test_real_pipeline_on_the_small_thread() -> None:
    from postmortem.analysis import analyse
    from postmortem.ingest import load

    analysis = analyse(load(Path(__file__).parent / "data" / "generic" / "small.csv").threads[0])
    audit = audit_thread(analysis.posts)
    first = audit.by_id()["3"]
    assert {"apology", "offline", "personal_touch", "next_steps"} <= {f.name for f in first.flags}
    assert first.strategy == "rebuild" and first.verdict == "went_well"
    assert audit.resolved == ("4",)


def test_cached_detectors_do_not_carry_context_between_replies() -> None:
    """The context-free detectors are cached per reply body: the same wording sent to different
    people (and in answer to different posts) must still get its own context-dependent flags."""
    from postmortem.lessons import audit as audit_module

    template = "{} lol ok 😎 no problem Sam"
    calls = [
        ("@sam_k", ReplyContext(parent_text="@Acme my order never arrived, terrible", parent_negative=True)),
        ("@bob_k", ReplyContext(parent_text="@Acme can I return it?", parent_negative=False)),
        ("@sam_k", ReplyContext(parent_text="@Acme can I return it?", parent_negative=False, addressee_name="Sam")),
        ("@sam_k", ReplyContext(parent_text="@Acme my order never arrived, terrible", parent_negative=True)),
    ]
    cold = []
    for handle, context in calls:
        audit_module._body_matches.cache_clear()
        audit_module._made_light_cached.cache_clear()
        audit_module._first_cached.cache_clear()
        cold.append(detect_flags(template.format(handle), context))
    warm = [detect_flags(template.format(handle), context) for handle, context in calls]
    assert warm == cold
    assert cold[0] == cold[3]
    assert {f.name for f in cold[0]} != {f.name for f in cold[1]}  # laughter/emoji count only against a complaint
    assert "personal_touch" in {f.name for f in cold[2]}  # "Sam" is the answered person's first name
    assert all(
        f.evidence == template.format(h)[f.span[0] : f.span[1]]
        for (h, _), fl in zip(calls, cold, strict=True)
        for f in fl
    )
