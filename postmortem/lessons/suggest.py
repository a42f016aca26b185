"""Better replies: a deterministic template built from the practice, for replies that went badly.

The template follows the order practitioners teach: acknowledge the specific issue, apologise,
explain (a placeholder: only the team knows the cause), solve, say what happens next and when,
and offer a private channel; signed by a person. Callers must show the result as a suggestion.
"""

from __future__ import annotations

import re

from postmortem.lessons.audit import ReplyAudit

ISSUE_WORDS: tuple[tuple[str, str], ...] = (
    ("order", "order number"),
    ("delivery", "order number"),
    ("parcel", "tracking number"),
    ("package", "tracking number"),
    ("refund", "order number"),
    ("flight", "booking reference"),
    ("booking", "booking reference"),
    ("reservation", "booking reference"),
    ("bag", "booking reference"),
    ("luggage", "booking reference"),
    ("seat", "booking reference"),
    ("train", "ticket details"),
    ("ticket", "ticket details"),
    ("bill", "account number"),
    ("charge", "account number"),
    ("payment", "account number"),
    ("account", "account number"),
    ("card", "account number"),
    ("subscription", "account email"),
    ("internet", "account number"),
    ("connection", "account number"),
    ("signal", "account number"),
    ("broadband", "account number"),
    ("engineer", "account number"),
    ("appointment", "account number"),
    ("app", "account email"),
    ("room", "booking reference"),
    ("food", "order number"),
    ("meal", "order number"),
    ("pizza", "order number"),
    ("burger", "order number"),
    ("device", "order number"),
    ("phone", "account number"),
    ("screen", "order number"),
    ("product", "order number"),
    ("item", "order number"),
    ("service", "details"),
    ("staff", "details of the visit"),
    ("wait", "details"),
    ("delay", "booking reference"),
)


def issue_words(complaint_text: str, limit: int = 2) -> list[str]:
    """The complaint's key nouns, in the order the customer wrote them."""
    text = re.sub(r"https?://\S+|@\w+", " ", complaint_text).casefold()
    found: list[tuple[int, str]] = []
    for word, _ in ISSUE_WORDS:
        match = re.search(rf"\b{word}s?\b", text)
        if match and word not in {w for _, w in found}:
            found.append((match.start(), word))
    return [word for _, word in sorted(found)[:limit]]


def _detail(words: list[str]) -> str:
    lookup = dict(ISSUE_WORDS)
    return lookup[words[0]] if words else "details"


def _issue_phrase(words: list[str]) -> str:
    if not words:
        return "what happened"
    if len(words) == 1:
        return f"the problem with your {words[0]}"
    return f"the problems with your {words[0]} and {words[1]}"


def suggest_reply(
    reply_audit: ReplyAudit,
    complaint_text: str,
    customer_handle: str,
    company_name: str,
    agent_name: str | None = None,
    customer_name: str | None = None,
) -> str:
    """A better reply to the complaint ``reply_audit`` answered (same input, same output)."""
    handle = "@" + customer_handle.strip().lstrip("@")
    greeting = _greeting(customer_name)
    sign = f"-{agent_name}" if agent_name else "-[your first name]"
    flags = {flag.name for flag in reply_audit.flags}
    if flags == {"no_problem"} or flags == {"no_problem", "personal_touch"}:
        return (
            f"{handle} {greeting}{'y' if greeting else 'Y'}ou're welcome, "
            "and thank you for letting us know it's sorted. "
            f"If anything else comes up, reply here or send us a DM. {sign}"
        )
    words = issue_words(complaint_text)
    issue = _issue_phrase(words)
    return " ".join(
        (
            f"{handle} {greeting}I'm sorry about {issue}. I understand how frustrating that is,",
            f"and it's not the service {company_name} wants you to have.",
            "[Explain in one sentence what went wrong, if known.]",
            "I'm looking into it now and will put it right.",
            "I'll update you here within 24 hours.",
            f"If you'd rather, send us a DM with your {_detail(words)} and I'll sort it out privately. {sign}",
        )
    )


def _greeting(customer_name: str | None) -> str:
    if not customer_name:
        return ""
    first = customer_name.strip().split(" ")[0]
    return f"Hi {first}, " if first.isalpha() else ""
