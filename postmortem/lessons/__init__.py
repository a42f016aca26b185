"""Lessons learned: the reply audit (``audit``), the rulebook (``rules``) and better replies.

``derive_lessons`` audits every company post, applies the rulebook (the package's
``rules.toml``, overridable with ``--rules FILE``) to the audit and the metrics, and derives
action items. Lesson ids are a stable interface (JSON, tests, monthly statistics); see
docs/lessons.md.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from postmortem.analysis.phases import compute_timeline
from postmortem.analysis.results import Analysis, Lesson
from postmortem.lessons.audit import AuditedReplies, ReplyAudit, ThreadAudit, audit_thread
from postmortem.lessons.rules import Rulebook, action_items, apply_rules, inbound_complaints, load_rules
from postmortem.perf import Pending

# Among lessons of equal severity, what a PR lead would raise first: how the company spoke,
# then whether it answered, then how fast.
PRIORITY = (
    "sarcasm-or-condescension",
    "made-light-of-criticism",
    "unanswered-complaints",
    "arguing-with-customer",
    "broken-promise",
    "self-promotion-during-crisis",
    "slow-first-response",
    "pile-on",
    "canned-replies",
    "customer-burden",
    "no-apology",
    "no-empathy",
    "no-next-steps",
    "no-problem-phrase",
)
SEVERITY_RANK = {"high": 0, "medium": 1, "low": 2, None: 3}

# How bad a flag is when choosing the worst company reply (the key moment).
FLAG_WEIGHT = {"sarcasm": 5, "made_light": 4, "arguing": 4, "customer_burden": 2, "no_problem": 1}


def worst_reply(audit: ThreadAudit) -> str | None:
    """The company reply that went worst: the heaviest bad flags, earliest first; None if none went badly."""
    scored = [
        (sum(FLAG_WEIGHT.get(f.name, 0) for f in r.flags), n, r)
        for n, r in enumerate(audit.replies)
        if r.verdict == "went_badly"
    ]
    if not scored:
        return None
    best = max(scored, key=lambda item: (item[0], -item[1]))
    return best[2].post_id


def first_apology(audit: ThreadAudit) -> str | None:
    """The company's first post the audit judged a real apology."""
    found: ReplyAudit | None = next((r for r in audit.replies if any(f.name == "apology" for f in r.flags)), None)
    return None if found is None else found.post_id


@lru_cache(maxsize=8)
def _rules(path: Path | None) -> Rulebook:
    """Rulebooks are read once per file per process (a review analyses thousands of threads)."""
    return load_rules(path)


def rank_lessons(lessons: tuple[Lesson, ...]) -> tuple[Lesson, ...]:
    """Went badly before went well; then by severity; then by :data:`PRIORITY`; stable otherwise."""
    order = {lesson_id: n for n, lesson_id in enumerate(PRIORITY)}
    return tuple(
        sorted(
            lessons,
            key=lambda x: (x.verdict != "went_badly", SEVERITY_RANK.get(x.severity, 3), order.get(x.id, len(order))),
        )
    )


def derive_lessons(
    analysis: Analysis, rules_path: Path | None = None, started: Pending[AuditedReplies] | None = None
) -> Analysis:
    """Audit the company's posts and return the analysis with audit, lessons and action items.

    ``started``: the replies' audit begun by :func:`~postmortem.lessons.audit.start_reply_audit`
    (with ``suggest=not analysis.summary_only``) on this analysis's frame."""
    rulebook = _rules(rules_path)
    complaints = None if started is None else inbound_complaints(analysis.posts)  # while the audit finishes
    audit = audit_thread(analysis.posts, suggest=not analysis.summary_only, started=started)
    lessons = rank_lessons(apply_rules(analysis, audit, rulebook, complaints))
    if analysis.summary_only:
        return replace(analysis, audit=audit, lessons=lessons, actions=action_items(lessons, rulebook))
    timeline = compute_timeline(
        analysis.posts,
        analysis.windows,
        analysis.window_s,
        analysis.sentiment.crowd_min_post,
        worst_reply=worst_reply(audit),
        apology=first_apology(audit),
    )
    return replace(
        analysis,
        audit=audit,
        lessons=lessons,
        actions=action_items(lessons, rulebook),
        timeline=timeline,
    )
