"""A long thread still gives a readable, bounded report: aggregate and select, never print everything."""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader

from postmortem import api
from postmortem.analysis import analyse
from postmortem.model import Post, Source, Thread
from postmortem.report.context import AUDIT_ROWS, TABLE_ROWS, TREE_ROWS, TREE_SAMPLE_ROWS, ReportMeta, build_context
from tests.conftest import T0

COMPLAINTS = [
    "@shop still waiting for my refund, 3 weeks now",
    "@shop my order never arrived and nobody answers",
    "@shop worst service ever, on hold for 2 hours",
    "same here, mine broke too",
    "@shop can you help? tracking says delivered but nothing here",
    "love the product but support is awful @shop",
]
REPLIES = [
    "@{who} So sorry about this! Please DM us your order number and we'll sort it today. -Ann",
    "@{who} We're sorry for any inconvenience. Please DM us.",
    "@{who} Our records show it was delivered.",
]


def synthetic_thread(posts: int, seed: int = 7) -> Thread:
    """Bursty complaints in many branches, a company that answers some of them late."""
    rng = random.Random(seed)
    made: list[Post] = []
    t = T0
    for n in range(posts):
        t += timedelta(seconds=rng.expovariate(1 / 40))
        if made and rng.random() < 0.2:
            parent = rng.choice(made[-200:])
            if parent.author != "shop":
                text = rng.choice(REPLIES).format(who=parent.author)
                made.append(Post(id=str(n), parent_id=parent.id, author="shop", created_at=t, text=text, platform="test"))
                continue
        parent_id = rng.choice(made[-50:]).id if made and rng.random() < 0.5 else None
        made.append(
            Post(
                id=str(n),
                parent_id=parent_id,
                author=f"user{rng.randrange(posts // 3 + 1)}",
                created_at=t,
                text=rng.choice(COMPLAINTS),
                platform="test",
                kind="post" if parent_id is None else "reply",
            )
        )
    return Thread(posts=tuple(made), source=Source(path="synthetic", format="test", sha256="0" * 64), company_hint=("shop",))


@pytest.fixture(scope="module")
def big_analysis():
    return analyse(synthetic_thread(3000))


def test_context_is_bounded(big_analysis) -> None:
    ctx = build_context(big_analysis, ReportMeta(), with_charts=False)
    assert len(ctx.conversation) <= TREE_SAMPLE_ROWS and ctx.conversation_omitted == 3000 - len(ctx.conversation)
    assert len(ctx.audit) <= AUDIT_ROWS < ctx.audit_total
    assert len(ctx.unanswered) <= TABLE_ROWS and len(ctx.slowest) <= TABLE_ROWS
    assert len(ctx.events) <= TABLE_ROWS
    assert len(ctx.lessons_bad) + len(ctx.lessons_good) <= 23


@pytest.mark.slow
def test_long_thread_pdf_stays_short(big_analysis, tmp_path: Path) -> None:
    out = tmp_path / "big.pdf"
    api.write_report(big_analysis, api.Outputs(pdf=out))
    pages = len(PdfReader(out).pages)
    assert pages <= 40, pages


@pytest.mark.slow
def test_letter_paper(small_analysis, tmp_path: Path) -> None:
    out = tmp_path / "letter.pdf"
    api.write_report(small_analysis, api.Outputs(pdf=out), api.RenderOptions(paper="Letter"))
    box = PdfReader(out).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)  # 8.5 x 11 in


def test_a_thread_that_fits_shows_its_whole_conversation() -> None:
    """Up to TREE_ROWS posts the tree is whole; a longer thread gets the TREE_SAMPLE_ROWS sample."""
    fits = build_context(analyse(synthetic_thread(TREE_ROWS)), ReportMeta(), with_charts=False)
    assert len(fits.conversation) == TREE_ROWS and fits.conversation_omitted == 0
    longer = build_context(analyse(synthetic_thread(TREE_ROWS + 1)), ReportMeta(), with_charts=False)
    assert len(longer.conversation) <= TREE_SAMPLE_ROWS and longer.conversation_omitted == TREE_ROWS + 1 - len(
        longer.conversation
    )


def test_audit_shows_one_post_of_each_canned_text(big_analysis) -> None:
    ctx = build_context(big_analysis, ReportMeta(), with_charts=False)
    group_of = {pid: n for n, group in enumerate(big_analysis.audit.canned_groups) for pid in group}
    assert big_analysis.audit.canned_groups, "the synthetic company answers with templates"
    shown = [group_of[a.post.id] for a in ctx.audit if a.post.id in group_of]
    assert shown and len(shown) == len(set(shown))


def test_canned_replies_are_one_note(big_analysis) -> None:
    ctx = build_context(big_analysis, ReportMeta(), with_charts=False)
    canned = [n for n in ctx.audit_notes if n.startswith("Canned replies:")]
    groups = big_analysis.audit.canned_groups
    assert len(canned) == 1 and f"{len(groups)} texts" in canned[0]
    assert f"{len(groups[0])} \u00d7 (posts {', '.join(groups[0][:4])}" in canned[0]  # largest first
