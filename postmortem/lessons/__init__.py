"""Lessons learned, derived from measured facts and quoted posts.

Each lesson id is a stable interface (JSON, tests, monthly statistics); see docs/lessons.md.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from postmortem.analysis.results import Analysis, Lesson
from postmortem.analysis.sentiment import NEGATIVE_THRESHOLD
from postmortem.timeline import ADDRESSED, AUTHOR, ID, RESPONSE_S, ROLE, ROLE_COMPLAINANT, ROLE_CROWD, SENTIMENT
from postmortem.units import format_duration

DAY_S = 86400.0


def derive_lessons(analysis: Analysis) -> Analysis:
    """Return the analysis with its lessons filled in, worst first."""
    lessons = [
        *_first_response(analysis),
        *_unanswered(analysis),
        *_pile_on(analysis),
    ]
    rank = {"high": 0, "medium": 1, "low": 2, None: 3}
    lessons.sort(key=lambda lesson: (lesson.verdict != "went_badly", rank[lesson.severity]))
    return replace(analysis, lessons=tuple(lessons))


def _first_response(analysis: Analysis) -> list[Lesson]:
    r = analysis.response
    target = format_duration(r.target_s)
    if r.inbound == 0:
        return []
    if r.first_response_s is None:
        return [
            Lesson(
                id="unanswered-complaints",
                title="The company never replied in the thread",
                verdict="went_badly",
                severity="high",
                evidence=tuple(_worst_unanswered(analysis.posts, 5)),
                why=(
                    f"{r.inbound} posts addressed to the company got no reply in this thread. "
                    "Practice is to answer every public complaint, and within 24 hours at the latest; "
                    "silence lets the complaint stand unchallenged in front of everyone who reads it."
                ),
                recommendation=(
                    "Acknowledge every complaint publicly, apologise, and move the detail to a private "
                    f"channel; set a response target (e.g. {target}) and staff the account to meet it."
                ),
            )
        ]
    delay = format_duration(r.first_response_s)
    evidence = tuple(x for x in (r.first_inbound_id, r.first_reply_id) if x)
    if r.first_response_s <= r.target_s:
        return [
            Lesson(
                id="prompt-response",
                title=f"First reply within the {target} target ({delay})",
                verdict="went_well",
                severity=None,
                evidence=evidence,
                why="A fast first reply shows the complaint was heard before the crowd filled the silence.",
                recommendation="Keep the target and the staffing that met it; write down what made it possible.",
            )
        ]
    severity = "high" if r.first_response_s > DAY_S else "medium" if r.first_response_s > 4 * r.target_s else "low"
    return [
        Lesson(
            id="slow-first-response",
            title=f"First reply took {delay} against a {target} target",
            verdict="went_badly",
            severity=severity,
            evidence=evidence,
            why=(
                f"The first post addressed to the company waited {delay} for a reply. Customers who complain "
                "on social media expect an answer within hours, and practice sets 24 hours as the outer limit; "
                "every hour of silence gives the complaint more readers and more me-too replies."
            ),
            recommendation=(
                f"Set a first-response target of {target} for public complaints, with named people "
                "watching the account in the hours complaints arrive and an escalation path when they cannot answer."
            ),
        )
    ]


def _worst_unanswered(posts: pd.DataFrame, limit: int) -> list[str]:
    open_posts = posts.loc[posts[ADDRESSED] & posts[RESPONSE_S].isna()]
    complainants_first = open_posts.assign(_c=open_posts[ROLE] != ROLE_COMPLAINANT).sort_values(["_c", SENTIMENT])
    return [str(x) for x in complainants_first[ID].head(limit)]


def _unanswered(analysis: Analysis) -> list[Lesson]:
    r = analysis.response
    if r.first_response_s is None or r.unanswered == 0:
        return []
    share = r.unanswered / r.inbound
    severity = "high" if share > 0.5 else "medium" if share > 0.2 else "low"
    return [
        Lesson(
            id="unanswered-complaints",
            title=f"{r.unanswered} of {r.inbound} posts addressed to the company went unanswered",
            verdict="went_badly",
            severity=severity,
            evidence=tuple(_worst_unanswered(analysis.posts, 5)),
            why=(
                f"{share:.0%} of the posts addressed to the company never got a reply in their thread. "
                "Each unanswered complaint stays public, and readers take silence as indifference."
            ),
            recommendation=(
                "Work the thread to the end: answer or acknowledge every post addressed to the company, "
                "including late me-too replies, and close each branch with a next step."
            ),
        )
    ]


def _pile_on(analysis: Analysis) -> list[Lesson]:
    posts = analysis.posts
    crowd_negative = posts.loc[(posts[ROLE] == ROLE_CROWD) & (posts[SENTIMENT] <= NEGATIVE_THRESHOLD)]
    people = crowd_negative[AUTHOR].nunique()
    non_company = int((posts[ROLE] != "company").sum())
    if people < 3 or non_company == 0 or len(crowd_negative) / non_company < 0.2:
        return []
    severity = "high" if people >= 15 else "medium" if people >= 6 else "low"
    return [
        Lesson(
            id="pile-on",
            title=f"{people} other people joined in with negative posts",
            verdict="went_badly",
            severity=severity,
            evidence=tuple(str(x) for x in crowd_negative[ID].head(5)),
            why=(
                f"{len(crowd_negative)} negative posts came from {people} people other than the complainants: "
                "the me-too effect, where one visible complaint brings every unhappy customer out of the woodwork."
            ),
            recommendation=(
                "Answer the original complaint quickly and well in public so the crowd sees it handled, "
                "and acknowledge the people who join in rather than ignoring or arguing with them."
            ),
        )
    ]
