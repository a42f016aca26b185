"""The rulebook: lessons defined in TOML data, evaluated over a flat dict of named facts.

Conditions use a tiny expression language parsed here (numbers, fact names, ``+ - * /``,
comparisons, ``and``/``or``/``not``, parentheses, ``true``/``false``/``none``); nothing is
ever passed to Python's ``eval``. See docs/lessons.md for the file format.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from postmortem.analysis.results import Analysis, Lesson
from postmortem.errors import UsageError
from postmortem.lessons.audit import FLAG_NAMES, STRATEGIES, ReplyAudit, ThreadAudit, is_complaint
from postmortem.perf import map_distinct
from postmortem.timeline import ADDRESSED, AUTHOR, AUTHOR_HANDLE, ID, RESPONSE_S, ROLE, SENTIMENT, TEXT
from postmortem.units import format_duration

Value = float | bool | None
Facts = Mapping[str, Value]

VERDICTS = ("went_badly", "went_well")
SEVERITIES = ("high", "medium", "low")
SCOPES = ("replied", "any")
SEVERITY_DUE = {"high": "+3 days", "medium": "+7 days", "low": "+14 days", None: "+30 days"}
RULE_FIELDS = frozenset(
    {"title", "verdict", "severity", "when", "evidence", "limit", "why", "recommendation", "action", "due", "scope"}
)
REQUIRED_FIELDS = ("title", "verdict", "when", "evidence", "why", "recommendation")
RULE_KEYS = RULE_FIELDS | {"enabled"}


# --- the expression language -------------------------------------------------------------------


class ExpressionError(ValueError):
    """A condition that cannot be parsed or names an unknown fact."""


_TOKEN = re.compile(
    r"\s*(?:(?P<num>\d+(?:\.\d+)?(?:e[+-]?\d+)?)|(?P<name>[a-z_][a-z0-9_]*(?:\.[a-z0-9_]+)*)"
    r"|(?P<op><=|>=|==|!=|<|>|\+|-|\*|/|\(|\)))",
    re.IGNORECASE,
)
_KEYWORDS = {"and", "or", "not", "true", "false", "none"}
Node = tuple[Any, ...]


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens, pos = [], 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise ExpressionError(f"unexpected {text[pos:].strip()[:20]!r} at character {pos + 1}")
        kind = match.lastgroup or ""
        value = match.group(kind)
        if kind == "name" and value.casefold() in _KEYWORDS:
            kind, value = "kw", value.casefold()
        tokens.append((kind, value))
        pos = match.end()
    return tokens


class _Parser:
    """Recursive descent: or > and > not > comparison > sum > product > unary > atom."""

    def __init__(self, text: str) -> None:
        self.tokens = _tokenize(text)
        self.pos = 0

    def parse(self) -> Node:
        if not self.tokens:
            raise ExpressionError("empty condition")
        node = self._or()
        if self.pos != len(self.tokens):
            raise ExpressionError(f"unexpected {self.tokens[self.pos][1]!r}")
        return node

    def _peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _take(self, *values: str) -> str | None:
        token = self._peek()
        if token is not None and token[0] in ("op", "kw") and token[1] in values:
            self.pos += 1
            return token[1]
        return None

    def _or(self) -> Node:
        node = self._and()
        while self._take("or"):
            node = ("or", node, self._and())
        return node

    def _and(self) -> Node:
        node = self._not()
        while self._take("and"):
            node = ("and", node, self._not())
        return node

    def _not(self) -> Node:
        if self._take("not"):
            return ("not", self._not())
        return self._comparison()

    def _comparison(self) -> Node:
        node = self._sum()
        op = self._take("<=", ">=", "==", "!=", "<", ">")
        if op:
            node = ("cmp", op, node, self._sum())
            if self._peek() is not None and self._peek() in [("op", o) for o in ("<", ">", "<=", ">=", "==", "!=")]:
                raise ExpressionError("chained comparisons are not allowed; use 'and'")
        return node

    def _sum(self) -> Node:
        node = self._product()
        while op := self._take("+", "-"):
            node = ("arith", op, node, self._product())
        return node

    def _product(self) -> Node:
        node = self._unary()
        while op := self._take("*", "/"):
            node = ("arith", op, node, self._unary())
        return node

    def _unary(self) -> Node:
        if self._take("-"):
            return ("neg", self._unary())
        return self._atom()

    def _atom(self) -> Node:
        token = self._peek()
        if token is None:
            raise ExpressionError("condition ends too early")
        self.pos += 1
        kind, value = token
        if kind == "num":
            return ("const", float(value))
        if kind == "name":
            return ("name", value)
        if kind == "kw" and value in ("true", "false", "none"):
            return ("const", {"true": True, "false": False, "none": None}[value])
        if token == ("op", "("):
            node = self._or()
            if not self._take(")"):
                raise ExpressionError("missing ')'")
            return node
        raise ExpressionError(f"unexpected {value!r}")


@dataclass(frozen=True)
class Expression:
    """A parsed condition: its source text and syntax tree."""

    source: str
    tree: Node = field(repr=False)

    def names(self) -> set[str]:
        """Fact names the condition reads."""
        found: set[str] = set()
        _collect(self.tree, found)
        return found

    def evaluate(self, facts: Facts) -> Value:
        """The condition's value (comparisons with a missing fact are false)."""
        return _eval(self.tree, facts)


def parse_expression(text: str, known: Sequence[str] | frozenset[str] | None = None) -> Expression:
    """Parse a condition; with ``known``, reject names that are not known facts."""
    if not isinstance(text, str):
        raise ExpressionError("a condition must be a string")
    expression = Expression(text, _Parser(text).parse())
    if known is not None:
        unknown = sorted(expression.names() - set(known))
        if unknown:
            raise ExpressionError(f"unknown fact {unknown[0]!r} (see docs/lessons.md for the list)")
    return expression


def _collect(node: Node, found: set[str]) -> None:
    if node[0] == "name":
        found.add(node[1])
    for child in node[1:]:
        if isinstance(child, tuple):
            _collect(child, found)


def _eval(node: Node, facts: Facts) -> Value:
    kind = node[0]
    if kind == "const":
        return node[1]  # type: ignore[no-any-return]
    if kind == "name":
        return facts.get(node[1])
    if kind == "not":
        return not _truthy(_eval(node[1], facts))
    if kind == "and":
        return _truthy(_eval(node[1], facts)) and _truthy(_eval(node[2], facts))
    if kind == "or":
        return _truthy(_eval(node[1], facts)) or _truthy(_eval(node[2], facts))
    if kind == "neg":
        value = _eval(node[1], facts)
        return None if value is None else -float(value)
    if kind == "arith":
        return _arith(node[1], _eval(node[2], facts), _eval(node[3], facts))
    return _compare(node[1], _eval(node[2], facts), _eval(node[3], facts))


def _truthy(value: Value) -> bool:
    return bool(value) and not (isinstance(value, float) and math.isnan(value))


def _arith(op: str, left: Value, right: Value) -> Value:
    if left is None or right is None:
        return None
    a, b = float(left), float(right)
    if op == "/":
        return None if b == 0 else a / b
    return {"+": a + b, "-": a - b, "*": a * b}[op]


_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}


def _compare(op: str, left: Value, right: Value) -> bool:
    if left is None or right is None:
        if op == "==":
            return left is right
        if op == "!=":
            return left is not right
        return False
    return _COMPARE[op](float(left), float(right))


# --- facts ------------------------------------------------------------------------------------

_RESPONSE_FACTS = (
    "inbound",
    "answered",
    "unanswered",
    "first_response_s",
    "median_response_s",
    "p90_response_s",
    "max_response_s",
    "target_s",
    "breaches",
    "answered_late",
    "unanswered_overdue",
    "company_posts",
)
_SENTIMENT_FACTS = ("drift", "crowd_start", "crowd_end", "crowd_min", "company_mean")


def fact_names() -> frozenset[str]:
    """Every fact a condition or placeholder may name."""
    names = {f"response.{n}" for n in _RESPONSE_FACTS} | {f"sentiment.{n}" for n in _SENTIMENT_FACTS}
    names |= {"response.unanswered_share", "replies.count", "replies.to_complaints", "replies.went_badly"}
    for flag in FLAG_NAMES:
        names |= {f"audit.count.{flag}", f"audit.good.{flag}", f"audit.share.{flag}", f"audit.complaints.{flag}"}
    names |= {f"audit.strategy.{s}" for s in STRATEGIES}
    names |= {"audit.canned.groups", "audit.canned.posts", "audit.canned.largest"}
    names |= {"audit.broken_promises", "audit.kept_promises", "audit.promotions", "resolution.resolved"}
    names |= {"crowd.negative_posts", "crowd.negative_authors", "crowd.negative_share"}
    names |= {"inbound.complaints", "unanswered.complaints", "unanswered.complaints_share"}
    return frozenset(names)


def build_facts(analysis: Analysis, audit: ThreadAudit, complaints: pd.DataFrame | None = None) -> dict[str, Value]:
    """The flat dict of named facts the rules read (``complaints``: :func:`inbound_complaints`, if known)."""
    facts: dict[str, Value] = {}
    for name in _RESPONSE_FACTS:
        facts[f"response.{name}"] = _number(getattr(analysis.response, name))
    for name in _SENTIMENT_FACTS:
        facts[f"sentiment.{name}"] = _number(getattr(analysis.sentiment, name))
    r = analysis.response
    facts["response.unanswered_share"] = r.unanswered / r.inbound if r.inbound else None
    facts.update(_audit_facts(audit))
    facts.update(_crowd_facts(analysis.posts))
    if complaints is None:
        complaints = inbound_complaints(analysis.posts)
    open_complaints = complaints.loc[complaints[RESPONSE_S].isna()]
    facts["inbound.complaints"] = float(len(complaints))
    facts["unanswered.complaints"] = float(len(open_complaints))
    facts["unanswered.complaints_share"] = len(open_complaints) / len(complaints) if len(complaints) else None
    return facts


def inbound_complaints(posts: pd.DataFrame) -> pd.DataFrame:
    """Posts addressed to the company that read as complaints (not thanks or praise)."""
    where = np.flatnonzero(posts[ADDRESSED].to_numpy(dtype=bool))
    texts, scores = posts[TEXT].to_numpy()[where].tolist(), posts[SENTIMENT].to_numpy()[where].tolist()
    keys = [(str(t), float(s)) for t, s in zip(texts, scores, strict=True)]
    keep = np.zeros(len(posts), dtype=bool)
    keep[where] = map_distinct(lambda key: is_complaint(*key), keys, in_parallel=True)  # each (text, score) read once
    return posts.loc[keep]


def _number(value: object) -> Value:
    if value is None or isinstance(value, bool):
        return value
    return float(value) if isinstance(value, int | float) else None


def _audit_facts(audit: ThreadAudit) -> dict[str, Value]:
    replies = [r for r in audit.replies if r.parent_id is not None]
    facts: dict[str, Value] = {
        "replies.count": float(len(replies)),
        "replies.to_complaints": float(sum(r.answers_complaint for r in replies)),
        "replies.went_badly": float(sum(r.verdict == "went_badly" for r in replies)),
    }
    uncreditable = _uncreditable(audit)
    # One pass over the audited posts: per flag, how many carry it, are creditable, are replies,
    # and are replies to a complaint; per strategy, how many use it.
    carrying: Counter[str] = Counter()
    good: Counter[str] = Counter()
    in_replies: Counter[str] = Counter()
    to_complaints: Counter[str] = Counter()
    strategies: Counter[str] = Counter()
    for r in audit.replies:
        strategies[r.strategy] += 1
        names = {f.name for f in r.flags}
        if not names:
            continue
        creditable, is_reply = _creditable(r, uncreditable), r.parent_id is not None
        for name in names:
            carrying[name] += 1
            good[name] += creditable
            in_replies[name] += is_reply
            to_complaints[name] += is_reply and r.answers_complaint
    for flag in FLAG_NAMES:
        facts[f"audit.count.{flag}"] = float(carrying[flag])
        facts[f"audit.good.{flag}"] = float(good[flag])
        facts[f"audit.share.{flag}"] = in_replies[flag] / len(replies) if replies else None
        facts[f"audit.complaints.{flag}"] = float(to_complaints[flag])
    for strategy in STRATEGIES:
        facts[f"audit.strategy.{strategy}"] = float(strategies[strategy])
    groups = audit.canned_groups
    facts["audit.canned.groups"] = float(len(groups))
    facts["audit.canned.posts"] = float(sum(len(g) for g in groups))
    facts["audit.canned.largest"] = float(max((len(g) for g in groups), default=0))
    facts["audit.broken_promises"] = float(len(audit.broken_promises))
    facts["audit.kept_promises"] = float(len(audit.kept_promises))
    facts["audit.promotions"] = float(len(audit.promotions_during_crisis))
    facts["resolution.resolved"] = float(len(audit.resolved))
    return facts


def _uncreditable(audit: ThreadAudit) -> frozenset[str]:
    """Posts that never count as going well whatever they say: promises the company then broke
    ("we'll post an update here" with no update) and canned text sent word for word to many people."""
    return frozenset(audit.broken_promises).union(*audit.canned_groups)


def _creditable(reply: ReplyAudit, uncreditable: frozenset[str]) -> bool:
    """A reply that can count as something that went well: it did not go badly and is not in
    :func:`_uncreditable`."""
    return reply.verdict != "went_badly" and reply.post_id not in uncreditable


def _crowd_negative(posts: pd.DataFrame) -> pd.DataFrame:
    return posts.loc[(posts[ROLE] == "crowd") & (posts[SENTIMENT] <= -0.05)]


def _crowd_facts(posts: pd.DataFrame) -> dict[str, Value]:
    negative = _crowd_negative(posts)
    non_company = int((posts[ROLE] != "company").sum())
    return {
        "crowd.negative_posts": float(len(negative)),
        "crowd.negative_authors": float(negative[AUTHOR].nunique()),
        "crowd.negative_share": len(negative) / non_company if non_company else None,
    }


# --- rules ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One alternative of a conditional field: the first case whose condition holds wins."""

    when: Expression | None
    value: str


@dataclass(frozen=True)
class Rule:
    """One lesson definition."""

    id: str
    title: tuple[Case, ...]
    verdict: str
    severity: tuple[Case, ...]
    when: Expression
    evidence: str
    limit: int
    why: tuple[Case, ...]
    recommendation: tuple[Case, ...]
    action: tuple[Case, ...]
    due: str | None
    scope: str


@dataclass(frozen=True)
class Rulebook:
    """The rules in evaluation order and where they came from."""

    rules: tuple[Rule, ...]
    sources: tuple[str, ...]

    def get(self, rule_id: str) -> Rule | None:
        """The rule with this id, if any."""
        return next((rule for rule in self.rules if rule.id == rule_id), None)


@dataclass(frozen=True)
class ActionItem:
    """A follow-up task for the team, as in a blameless post-mortem."""

    title: str
    owner: str = "(owner)"
    due: str = "+7 days"
    lesson_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Quote:
    """A short excerpt of one evidence post."""

    post_id: str
    author: str
    text: str


SELECTORS = (
    "none",
    "first_exchange",
    "unanswered",
    "canned",
    "broken_promises",
    "kept_promises",
    "promotions",
    "crowd_negative",
    "resolved",
    "went_badly",
)
SELECTOR_PREFIXES = ("flag:", "good:", "complaints_without:", "strategy:")


def load_rules(path: Path | None = None) -> Rulebook:
    """The package rulebook, with a user file's rules merged over it (by id) or added to it."""
    default_text = resources.files("postmortem.lessons").joinpath("rules.toml").read_text(encoding="utf-8")
    raw = _rules_table(tomllib.loads(default_text), "rules.toml (package)")
    sources = ["package"]
    if path is not None:
        user = _read_user_file(path)
        for rule_id, fields in user.items():
            if rule_id in raw:
                raw[rule_id] = {**raw[rule_id], **fields}
            else:
                missing = [f for f in REQUIRED_FIELDS if f not in fields]
                if missing:
                    raise UsageError(f"{path}: rule '{rule_id}', field '{missing[0]}': required for a new rule")
                raw[rule_id] = dict(fields)
        sources.append(str(path))
    origin = str(path) if path is not None else "rules.toml (package)"
    rules = tuple(
        _build_rule(rule_id, fields, origin) for rule_id, fields in raw.items() if fields.get("enabled", True)
    )
    return Rulebook(rules, tuple(sources))


def _read_user_file(path: Path) -> dict[str, dict[str, Any]]:
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise UsageError(f"{path}: cannot read rules file ({error.strerror or error})") from error
    except tomllib.TOMLDecodeError as error:
        raise UsageError(f"{path}: not valid TOML: {error}") from error
    return _rules_table(data, str(path))


def _rules_table(data: dict[str, Any], origin: str) -> dict[str, dict[str, Any]]:
    extra = set(data) - {"rules"}
    if extra:
        raise UsageError(f"{origin}: unknown top-level key '{sorted(extra)[0]}' (rules go under [rules.<id>])")
    table = data.get("rules", {})
    if not isinstance(table, dict):
        raise UsageError(f"{origin}: 'rules' must be a table of [rules.<id>] sections")
    out: dict[str, dict[str, Any]] = {}
    for rule_id, fields in table.items():
        if not isinstance(fields, dict):
            raise UsageError(f"{origin}: rule '{rule_id}': must be a table")
        unknown = set(fields) - RULE_KEYS
        if unknown:
            raise UsageError(f"{origin}: rule '{rule_id}', field '{sorted(unknown)[0]}': unknown field")
        out[rule_id] = dict(fields)
    return out


def _build_rule(rule_id: str, fields: dict[str, Any], origin: str) -> Rule:
    def fail(name: str, problem: str) -> UsageError:
        return UsageError(f"{origin}: rule '{rule_id}', field '{name}': {problem}")

    known = fact_names()
    verdict = fields.get("verdict")
    if verdict not in VERDICTS:
        raise fail("verdict", f"must be one of {', '.join(VERDICTS)}")
    try:
        when = parse_expression(fields["when"], known)
    except ExpressionError as error:
        raise fail("when", str(error)) from error
    severity = _cases(fields.get("severity", "medium" if verdict == "went_badly" else ()), "severity", known, fail)
    if verdict == "went_badly" and any(c.value not in SEVERITIES for c in severity):
        raise fail("severity", f"must be one of {', '.join(SEVERITIES)}")
    if verdict == "went_well" and "severity" in fields:
        raise fail("severity", "only went_badly lessons have a severity")
    evidence = fields["evidence"]
    if not isinstance(evidence, str) or not _valid_selector(evidence):
        raise fail("evidence", f"unknown selector {evidence!r}")
    limit = fields.get("limit", 5)
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
        raise fail("limit", "must be a positive integer")
    scope = fields.get("scope", "replied")
    if scope not in SCOPES:
        raise fail("scope", f"must be one of {', '.join(SCOPES)}")
    due = fields.get("due")
    if due is not None and not isinstance(due, str):
        raise fail("due", "must be a string such as '+7 days'")
    return Rule(
        id=rule_id,
        title=_cases(fields["title"], "title", known, fail),
        verdict=verdict,
        severity=severity,
        when=when,
        evidence=evidence,
        limit=limit,
        why=_cases(fields["why"], "why", known, fail),
        recommendation=_cases(fields["recommendation"], "recommendation", known, fail),
        action=_cases(fields.get("action", ()), "action", known, fail),
        due=due,
        scope=scope,
    )


def _valid_selector(selector: str) -> bool:
    if selector in SELECTORS:
        return True
    prefix = next((p for p in SELECTOR_PREFIXES if selector.startswith(p)), None)
    if prefix is None:
        return False
    arg = selector[len(prefix) :]
    return arg in STRATEGIES if prefix == "strategy:" else arg in FLAG_NAMES


def _cases(raw: object, name: str, known: frozenset[str], fail: Callable[[str, str], UsageError]) -> tuple[Case, ...]:
    """A string, or a list of ``{when = "...", value = "..."}`` tables (the last may omit ``when``)."""
    if isinstance(raw, str):
        items: list[object] = [{"value": raw}]
    elif isinstance(raw, list | tuple):
        items = list(raw)
    else:
        raise fail(name, "must be a string or a list of {when, value} tables")
    cases = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("value"), str) or set(item) - {"when", "value"}:
            raise fail(name, "each case must be a table with a string 'value' and an optional 'when'")
        try:
            when = parse_expression(item["when"], known) if "when" in item else None
            _check_placeholders(item["value"], known)
        except ExpressionError as error:
            raise fail(name, str(error)) from error
        cases.append(Case(when, item["value"]))
    return tuple(cases)


_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_.]*)(?::(%|duration|int))?\}")
_SPECIAL = {"count", "delay", "target", "n_replies", "n_posts", "n_customers"}


def _check_placeholders(text: str, known: frozenset[str]) -> None:
    for match in _PLACEHOLDER.finditer(text):
        if match.group(1) not in known | _SPECIAL:
            raise ExpressionError(f"unknown placeholder {{{match.group(1)}}}")
    stray = _PLACEHOLDER.sub("", text)
    if "{" in stray or "}" in stray:
        raise ExpressionError("braces must hold a placeholder such as {count} or {response.unanswered}")


def _pick(cases: Sequence[Case], facts: Facts) -> str | None:
    for case in cases:
        if case.when is None or _truthy(case.when.evaluate(facts)):
            return case.value
    return None


def render(text: str, facts: Facts, extra: Mapping[str, str]) -> str:
    """Fill ``{name}``, ``{name:%}``, ``{name:duration}`` and ``{name:int}`` placeholders."""

    def one(match: re.Match[str]) -> str:
        name, style = match.group(1), match.group(2)
        if name in extra:
            return extra[name]
        value = facts.get(name)
        if value is None:
            return "\u2014"
        if style == "%":
            return f"{float(value):.0%}"
        if style == "duration" or (style is None and name.endswith("_s")):
            return format_duration(float(value))
        if isinstance(value, float) and (style == "int" or value.is_integer()):
            return str(int(value))
        return f"{float(value):.2f}"

    return _PLACEHOLDER.sub(one, text)


# --- applying the rules -----------------------------------------------------------------------


def apply_rules(
    analysis: Analysis, audit: ThreadAudit, rulebook: Rulebook, complaints: pd.DataFrame | None = None
) -> tuple[Lesson, ...]:
    """The lessons whose condition holds and whose evidence is in the thread, worst first
    (``complaints``: :func:`inbound_complaints`, if known)."""
    if complaints is None:
        complaints = inbound_complaints(analysis.posts)
    facts = build_facts(analysis, audit, complaints)
    replied = bool(facts["replies.count"])
    lessons = []
    for order, rule in enumerate(rulebook.rules):
        if (rule.scope == "replied" and not replied) or not _truthy(rule.when.evaluate(facts)):
            continue
        evidence = select_evidence(rule.evidence, analysis, audit, complaints)
        if not evidence and rule.evidence != "none":
            continue
        lessons.append((order, _lesson(rule, facts, evidence)))
    rank = {"high": 0, "medium": 1, "low": 2, None: 3}
    lessons.sort(key=lambda item: (item[1].verdict != "went_badly", rank[item[1].severity], item[0]))
    return tuple(lesson for _, lesson in lessons)


def _lesson(rule: Rule, facts: Facts, evidence: Sequence[str]) -> Lesson:
    n = len(evidence)
    extra = {
        "count": str(n),
        "n_replies": f"{n} reply" if n == 1 else f"{n} replies",
        "n_posts": f"{n} post" if n == 1 else f"{n} posts",
        "n_customers": f"{n} customer" if n == 1 else f"{n} customers",
        "delay": format_duration(_float(facts.get("response.first_response_s"))),
        "target": format_duration(_float(facts.get("response.target_s"))),
    }
    severity = _pick(rule.severity, facts) if rule.verdict == "went_badly" else None
    return Lesson(
        id=rule.id,
        title=render(_pick(rule.title, facts) or rule.id, facts, extra),
        verdict="went_badly" if rule.verdict == "went_badly" else "went_well",
        severity=severity if severity in SEVERITIES else ("medium" if rule.verdict == "went_badly" else None),  # type: ignore[arg-type]
        evidence=tuple(evidence[: rule.limit]),
        why=render(_pick(rule.why, facts) or "", facts, extra),
        recommendation=render(_pick(rule.recommendation, facts) or "", facts, extra),
    )


def _float(value: Value) -> float | None:
    return None if value is None else float(value)


def select_evidence(
    selector: str, analysis: Analysis, audit: ThreadAudit, complaints: pd.DataFrame | None = None
) -> list[str]:
    """Post ids a selector picks, most telling first (``complaints``: :func:`inbound_complaints`, if known)."""
    replies = [r for r in audit.replies if r.parent_id is not None]
    r = analysis.response
    simple: dict[str, Callable[[], list[str]]] = {
        "none": list,
        "first_exchange": lambda: [x for x in (r.first_inbound_id, r.first_reply_id) if x],
        "unanswered": lambda: _worst_unanswered(
            inbound_complaints(analysis.posts) if complaints is None else complaints
        ),
        "canned": lambda: [post for group in audit.canned_groups for post in group],
        "broken_promises": lambda: list(audit.broken_promises),
        "kept_promises": lambda: list(audit.kept_promises),
        "promotions": lambda: list(audit.promotions_during_crisis),
        "crowd_negative": lambda: [str(x) for x in _crowd_negative(analysis.posts)[ID]],
        "resolved": lambda: list(audit.resolved),
        "went_badly": lambda: [a.post_id for a in replies if a.verdict == "went_badly"],
    }
    if selector in simple:
        return simple[selector]()
    prefix, _, arg = selector.partition(":")
    if prefix == "flag":
        return [a.post_id for a in audit.replies if a.has(arg)]
    if prefix == "good":
        uncreditable = _uncreditable(audit)
        return [a.post_id for a in audit.replies if a.has(arg) and _creditable(a, uncreditable)]
    if prefix == "complaints_without":
        return [a.post_id for a in replies if a.answers_complaint and not a.has(arg)]
    if prefix == "strategy":
        return [a.post_id for a in audit.replies if a.strategy == arg]
    raise ValueError(f"unknown evidence selector {selector!r}")


def _worst_unanswered(complaints: pd.DataFrame) -> list[str]:
    open_posts = complaints.loc[complaints[RESPONSE_S].isna()]
    ordered = open_posts.assign(_c=open_posts[ROLE] != "complainant").sort_values(["_c", SENTIMENT], kind="stable")
    return [str(x) for x in ordered[ID]]


# --- quotes and action items --------------------------------------------------------------------


def quote(posts: pd.DataFrame, post_id: str, max_chars: int = 160, around: tuple[int, int] | None = None) -> str:
    """A one-line excerpt of a post, centred on ``around`` (a character span) when given."""
    rows = posts.loc[posts[ID].astype(str) == str(post_id), TEXT]
    if rows.empty:
        return ""
    if len(str(rows.iloc[0])) <= max_chars:
        around = None
    text = " ".join(str(rows.iloc[0]).split()) if around is None else str(rows.iloc[0])
    if around is not None:
        start, end = around
        pad = max(0, (max_chars - (end - start)) // 2)
        lo, hi = max(0, start - pad), min(len(text), end + pad)
        excerpt = " ".join(text[lo:hi].split())
        return ("\u2026" if lo > 0 else "") + excerpt[:max_chars] + ("\u2026" if hi < len(text) else "")
    return text if len(text) <= max_chars else text[: max_chars - 1].rstrip() + "\u2026"


def lesson_quotes(
    lesson: Lesson, posts: pd.DataFrame, audit: ThreadAudit, rulebook: Rulebook | None = None, max_chars: int = 160
) -> tuple[Quote, ...]:
    """Short quotes for a lesson's evidence; for flag lessons, centred on the matched words."""
    rule = rulebook.get(lesson.id) if rulebook is not None else None
    flag = rule.evidence.partition(":")[2] if rule is not None and ":" in rule.evidence else None
    audits = audit.by_id()
    handles = dict(zip(posts[ID].astype(str), posts[AUTHOR_HANDLE], strict=True))
    quotes = []
    for post_id in lesson.evidence:
        hit = audits[post_id].flag(flag) if flag and post_id in audits else None
        text = quote(posts, post_id, max_chars, hit.span if hit is not None else None)
        quotes.append(Quote(post_id, str(handles.get(post_id, "")), text))
    return tuple(quotes)


def action_items(lessons: Sequence[Lesson], rulebook: Rulebook | None = None) -> tuple[ActionItem, ...]:
    """Three to seven action items: fixes for what went badly (worst first), then habits worth keeping."""
    rulebook = rulebook or load_rules()
    items: dict[str, ActionItem] = {}
    ordered = [lesson for lesson in lessons if lesson.verdict == "went_badly"]
    ordered += [lesson for lesson in lessons if lesson.verdict == "went_well"]
    for lesson in ordered:
        rule = rulebook.get(lesson.id)
        title = _pick(rule.action, {}) if rule is not None else None
        if not title:
            continue
        if title in items:
            old = items[title]
            items[title] = ActionItem(old.title, old.owner, old.due, (*old.lesson_ids, lesson.id))
        else:
            due = rule.due if rule is not None and rule.due else SEVERITY_DUE[lesson.severity]
            items[title] = ActionItem(title, due=due, lesson_ids=(lesson.id,))
    for title, due in DEFAULT_ACTIONS:
        if len(items) >= 3:
            break
        items.setdefault(title, ActionItem(title, due=due))
    return tuple(list(items.values())[:7])


DEFAULT_ACTIONS = (
    ("Hold a blameless review of this post-mortem with everyone who answered the account", "+7 days"),
    ("Add this thread to the reply style guide as a worked example, with the better replies", "+14 days"),
    ("Review the account's response times and reply audit again in the monthly review", "+30 days"),
)
