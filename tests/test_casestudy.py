"""Case studies: redaction, pseudonyms, hide-company, keep, relative times, questions, no verdicts in the handout."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from postmortem.casestudy import (
    CaseOptions,
    CaseOutputs,
    build_case_study,
    render_case_html,
    render_case_outputs,
    run_case_study,
    write_case_study,
)
from postmortem.casestudy.anonymise import (
    AnonymiseOptions,
    CaseRoles,
    anonymise_thread,
    letters,
)
from postmortem.casestudy.context import relative_time
from postmortem.casestudy.redact import redact_pii
from postmortem.errors import PostmortemError
from postmortem.model import Post, Source, Thread
from tests.conftest import REPO

BODYBUGG = REPO / "examples" / "bodybugg" / "bodybugg_facebook_graph.json"
AIRLINE = REPO / "examples" / "airline" / "airline_twarc2.jsonl"
T0 = datetime(2024, 3, 1, 14, 0, tzinfo=UTC)


def thread_of(
    rows: list[tuple[str, str | None, str, str | None, float, str]], company: tuple[str, ...] = ("acme",)
) -> Thread:
    """A thread from (id, parent, author, display name, minutes after T0, text)."""
    posts = tuple(
        Post(
            id=i,
            parent_id=p,
            author=a,
            author_name=n,
            created_at=T0 + timedelta(minutes=m),
            text=t,
            platform="x",
            kind="post" if p is None else "reply",
            url=f"https://x.com/{a}/status/{i}",
        )
        for i, p, a, n, m, t in rows
    )
    return Thread(
        posts=posts, source=Source(path="secret_file.json", format="test", sha256="f" * 64), company_hint=company
    )


SMALL = [
    (
        "100",
        None,
        "karen_w",
        "Karen Whitfield",
        0,
        "@Acme my order #55123 never arrived. Email me at karen.w@example.com or call 555-201-3344",
    ),
    ("101", "100", "bob_j", "Bob Jones", 5, "@karen_w same here Karen, mine too! See bit.ly/xyz"),
    ("102", "100", "Acme", "Acme Corp", 30, "@karen_w Sorry Karen, please DM us. Acme support"),
    ("103", "102", "karen_w", "Karen Whitfield", 40, "@Acme still broken, this is awful. Thanks Bob Jones for the tip"),
    ("104", "100", "mayor_dan", "Dan Mayor", 50, "@Acme @karen_w as a public figure I say fix it. cc @someone_else"),
]
ROLES = CaseRoles(company=("acme",), complainants=("karen_w",), crowd=("bob_j", "mayor_dan"))


# --- redaction -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "marker"),
    [
        ("write to jane.doe+x@mail.example.co.uk please", "[email]"),
        ("call +44 20 7946 0958 today", "[phone]"),
        ("call (555) 123-4567", "[phone]"),
        ("call 1-800-555-0199", "[phone]"),
        ("ring 555.123.4567", "[phone]"),
        ("see https://t.co/AbC123", "[link]"),
        ("see t.co/AbC123", "[link]"),
        ("see example.com/x", "[link]"),
        ("visit www.example.org", "[link]"),
        ("visit example.com.", "[link]"),
        ("my order #12345 is late", "[order no.]"),
        ("PNR ABC123 please", "[order no.]"),
        ("ticket 4455-22 was lost", "[order no.]"),
        ("confirmation number is ZX99QQ", "[order no.]"),
        ("I live at 123 Main St", "[address]"),
        ("deliver to 12 High Street", "[address]"),
    ],
)
def test_redact_positives(text: str, marker: str) -> None:
    out = redact_pii(text)
    assert marker in out
    assert not re.search(r"\d{4}", out.replace("ZX99QQ", "")) or marker == "[address]"


@pytest.mark.parametrize(
    "text",
    [
        "version 2.0.1 is out",
        "we land at 9:15pm",
        "fares from $39",
        "on 2012-07-13 the flight",
        "flight 208 delayed 3-5 days, 7-10 business days",
        "open 09:00-17:00",
        "14 kids and 3 coaches",
        "booking was great, order one for my husband",
        "Rule #1 is simple; 5/5 food",
        "Sorry.it was bad. e.g. U.S. flights",
        "charged $1,299.00 in 2010-2012",
    ],
)
def test_redact_hard_negatives(text: str) -> None:
    assert redact_pii(text) == text


# --- pseudonyms ------------------------------------------------------------------------------


def test_letters() -> None:
    assert [letters(i) for i in (0, 1, 25, 26, 27)] == ["A", "B", "Z", "AA", "AB"]


def test_pseudonyms_replace_authors_mentions_names_and_pii() -> None:
    anon, mapping = anonymise_thread(thread_of(SMALL), ROLES, AnonymiseOptions())
    texts = " ".join(p.text for p in anon.posts)
    authors = [p.author for p in anon.posts]
    assert authors == ["Customer_A", "Follower_1", "Acme", "Customer_A", "Follower_2"]
    assert anon.posts[0].author_name == "Customer A"
    assert "@Customer_A same here Customer A" in anon.posts[1].text
    assert "Thanks Follower 1 for the tip" in anon.posts[3].text
    assert "@Follower_3" in anon.posts[4].text  # mentioned, never posted
    for original in ("karen", "whitfield", "bob", "jones", "someone_else", "55123", "example.com", "555-201", "bit.ly"):
        assert original not in texts.casefold()
    assert {"[email]", "[phone]", "[link]", "[order no.]"} <= set(mapping.redactions)
    assert [p.id for p in anon.posts] == ["1", "2", "3", "4", "5"]
    assert all(p.url is None for p in anon.posts)
    assert anon.source.path == "anonymised case study" and anon.source.sha256 == "withheld"
    assert "Acme" in anon.posts[2].text  # the company keeps its name


def test_pseudonyms_stable_per_seed_and_different_across_seeds() -> None:
    case_roles = CaseRoles(company=("acme",), complainants=("karen_w",), crowd=tuple(f"user{i}" for i in range(12)))
    rows = [("1", None, "karen_w", None, 0, "@acme help")] + [
        (str(i + 2), "1", f"user{i}", None, i + 1, f"@karen_w me too @user{(i + 1) % 12}") for i in range(12)
    ]
    thread = thread_of(rows)

    def mapping(seed: int | None) -> dict[str, str]:
        return {
            p.handle: p.pseudonym for p in anonymise_thread(thread, case_roles, AnonymiseOptions(seed=seed))[1].people
        }

    assert mapping(3) == mapping(3)
    assert mapping(3) != mapping(4)
    assert mapping(None)["user0"] == "Follower 1" and mapping(None)["user11"] == "Follower 12"
    assert sorted(mapping(3).values()) == sorted(mapping(None).values())


def test_ambiguous_first_name_becomes_marker() -> None:
    rows = [
        ("1", None, "dan_a", "Dan Abbott", 0, "@acme broken"),
        ("2", "1", "dan_b", "Dan Brenner", 1, "agree"),
        ("3", "1", "zed", "Zed Zulu", 2, "Dan is right, and so is Abbott"),
    ]
    anon, mapping = anonymise_thread(
        thread_of(rows), CaseRoles(("acme",), ("dan_a",), ("dan_b", "zed")), AnonymiseOptions()
    )
    assert anon.posts[2].text == "[name] is right, and so is Customer A"
    assert mapping.redactions["[name]"] == 1


def test_hide_company() -> None:
    rows = [*SMALL, ("105", None, "Acme", "Acme Corp", 60, "Acme Corp loves you! #AcmeDeals visit AcmeCorp")]
    anon, mapping = anonymise_thread(thread_of(rows), ROLES, AnonymiseOptions(hide_company=True))
    blob = " ".join(f"{p.author} {p.author_name} {p.text}" for p in anon.posts)
    assert "acme" not in blob.casefold().replace("company", "")
    assert anon.posts[2].author == "Company" and anon.posts[2].author_name == "the Company"
    assert anon.posts[0].text.startswith("@Company my order")
    assert "#CompanyDeals" in anon.posts[5].text
    assert mapping.company_handles == ("company",)


def test_keep_handle_leaves_public_figure() -> None:
    anon, mapping = anonymise_thread(thread_of(SMALL), ROLES, AnonymiseOptions(keep=("@Mayor_Dan",)))
    assert anon.posts[4].author == "mayor_dan" and anon.posts[4].author_name == "Dan Mayor"
    assert "mayor_dan" not in {p.handle for p in mapping.people}


# --- time -----------------------------------------------------------------------------------


def test_relative_time_across_midnight_and_dst() -> None:
    zone = ZoneInfo("America/New_York")
    origin = datetime(2024, 3, 10, 4, 30, tzinfo=UTC)  # Sat 9 Mar 23:30 EST
    assert relative_time(origin, origin, zone) == "Day 1 23:30"
    assert relative_time(origin + timedelta(hours=1), origin, zone) == "Day 2 00:30"
    assert relative_time(origin + timedelta(hours=4), origin, zone) == "Day 2 04:30"  # 02:00 EST -> 03:00 EDT
    autumn = datetime(2024, 11, 3, 5, 30, tzinfo=UTC)  # 01:30 EDT
    assert relative_time(autumn + timedelta(hours=1), autumn, zone) == "Day 1 01:30"  # clocks fell back
    assert relative_time(autumn + timedelta(hours=23), autumn, zone) == "Day 1 23:30"  # 25-hour day
    assert relative_time(autumn + timedelta(hours=24), autumn, zone) == "Day 2 00:30"


# --- the case -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bodybugg_case():  # type: ignore[no-untyped-def]
    return run_case_study(BODYBUGG, CaseOptions(company=("BodyBugg",), tz="America/Chicago"))


def test_questions_sit_at_decision_points(bodybugg_case) -> None:  # type: ignore[no-untyped-def]
    ctx = bodybugg_case.context()
    kinds = [k for q in ctx.questions for k in q.kinds]
    assert kinds[0] == "first_complaint" and kinds[-1] == "end"
    assert {"first_company_reply", "worst_company_reply", "peak"} <= set(kinds)
    assert ctx.questions[0].after_post == 1
    assert ctx.questions[0].prompts[0] == "What would you reply, and when?"
    assert any("What did this reply do to the crowd?" in q.prompts for q in ctx.questions)
    assert all(2 <= len(q.talking_points) <= 3 for q in ctx.questions)
    story = [i for i in ctx.story if i.question is not None]
    assert len(story) == len(ctx.questions)
    assert all(re.fullmatch(r"Day \d+ \d\d:\d\d", i.post.time) for i in ctx.story if i.post is not None)


def test_handout_has_no_verdicts_but_guide_does(bodybugg_case) -> None:  # type: ignore[no-untyped-def]
    handout = render_case_html(bodybugg_case, "case_handout.html")
    guide = render_case_html(bodybugg_case, "case_facilitator.html")
    analysis = bodybugg_case.analysis
    for lesson in analysis.lessons:
        assert lesson.title not in handout
        assert lesson.title in guide.replace("&#34;", '"').replace("&#39;", "'")
    for verdict in (
        "went badly",
        "went well",
        "Went badly",
        "Talking points",
        "sarcasm",
        "Suggested better reply",
        "Worst",
    ):
        assert verdict not in handout
    assert "Talking points" in guide and "Suggested better reply" in guide and "What actually happened next" in guide


def test_json_and_csv_use_relative_times(bodybugg_case, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    outputs = CaseOutputs(json=tmp_path / "m.json", csv=tmp_path / "p.csv", md=tmp_path / "case.md")
    rendered = render_case_outputs(bodybugg_case, outputs)
    text = rendered[outputs.json].decode()
    assert not re.search(r"\d{4}-\d\d-\d\dT", text)
    metrics = json.loads(text)
    assert metrics["thread"]["start"] == 0 and metrics["case_study"]["time_basis"] == "seconds since the first post"
    csv_text = rendered[outputs.csv].decode()
    assert csv_text.splitlines()[1].startswith("1,,Customer_A,complainant,Day 1 09:14,0,")
    assert "2010" not in csv_text and "2010" not in rendered[outputs.md].decode()


def test_keep_dates(tmp_path: Path) -> None:
    case = run_case_study(BODYBUGG, CaseOptions(company=("BodyBugg",), tz="America/Chicago", keep_dates=True))
    rendered = render_case_outputs(case, CaseOutputs(json=tmp_path / "m.json"))
    assert "2010-04-12T14:14:00Z" in rendered[tmp_path / "m.json"].decode()
    time = case.context().story[0].post.time
    assert "12 Apr" in time and "09:14" in time and not time.startswith("Day")


def test_write_refuses_to_overwrite(bodybugg_case, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "case.md"
    target.write_text("keep me")
    with pytest.raises(PostmortemError):
        write_case_study(bodybugg_case, CaseOutputs(md=target))
    assert target.read_text() == "keep me"
    write_case_study(bodybugg_case, CaseOutputs(md=target), force=True)
    assert target.read_text().startswith("# Case study")


def test_same_seed_same_case() -> None:
    from postmortem import api

    thread = api.load_thread(AIRLINE, company=["FlySkyLark"])
    first = build_case_study(thread, CaseOptions(company=("FlySkyLark",), seed=11))
    again = build_case_study(thread, CaseOptions(company=("FlySkyLark",), seed=11))
    other = build_case_study(thread, CaseOptions(company=("FlySkyLark",), seed=12))
    assert first.mapping.people == again.mapping.people
    assert [p.pseudonym for p in first.mapping.people] != [p.pseudonym for p in other.mapping.people]
    assert first.analysis.posts["text"].tolist() == again.analysis.posts["text"].tolist()
