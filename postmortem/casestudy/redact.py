"""Redact personal details from post text: emails, phone numbers, links, order-style numbers, addresses.

Each match is replaced by a visible marker (``[email]``, ``[phone]``, ``[link]``, ``[order no.]``,
``[address]``) so a reader sees that something was there. The patterns are deliberately
conservative on numbers: times (``9:15pm``), prices (``$39``), versions (``2.0.1``), dates
(``2012-07-13``), flight numbers and counts are left alone. See docs/case-study.md.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

EMAIL = "[email]"
PHONE = "[phone]"
LINK = "[link]"
ORDER = "[order no.]"
ADDRESS = "[address]"
MARKERS = (EMAIL, PHONE, LINK, ORDER, ADDRESS)

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}(?![\w@])")
_SCHEME_URL = re.compile(r"(?i)\b(?:https?|ftp)://[^\s<>\"'\u201c\u201d]+|\bwww\.[^\s<>\"'\u201c\u201d]+")
# A bare domain with a path: any alphabetic top-level domain (t.co/abc, example.com/x, bit.ly/y).
_DOMAIN_PATH = re.compile(r"(?i)(?<![\w@/.-])(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,24}/[^\s<>\"'\u201c\u201d]*")
# A bare domain without a path: only top-level domains that rarely end an ordinary word.
_STRONG_TLDS = "com|net|org|edu|gov|io|info|biz|ly|gl|co\\.uk|org\\.uk|ac\\.uk|gov\\.uk|com\\.au|app|dev|social"
_DOMAIN = re.compile(rf"(?i)(?<![\w@/.-])(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:{_STRONG_TLDS})(?![\w.-]*\w)")
_ORDER = re.compile(
    r"(?i)\b(?P<key>order|booking|reservation|ticket|confirmation|conf\.?|case|ref(?:erence)?|pnr|tracking|"
    r"account|acct|invoice|claim|rma|membership|member|loyalty|policy|incident|serial|receipt)"
    r"(?P<sep>(?:\s+(?:number|num|no\.?|code|id|ref)(?:\s+(?:is|was))?)?\s*[#:]?\s*)"
    r"(?P<value>#?(?=[A-Za-z0-9-]*\d)[A-Za-z0-9][A-Za-z0-9-]{2,}(?![%\w])|(?-i:[A-Z]{5,8})(?![\w%]))"
)
_HASH_NUMBER = re.compile(r"(?<![\w&])#\d{4,}\b")
_STREET_TYPES = (
    "Street|St|Road|Rd|Avenue|Ave|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Place|Pl|Way|Terrace|Ter|Close|"
    "Crescent|Cres|Highway|Hwy|Parkway|Pkwy|Square|Sq|Gardens|Grove|Row|Mews|Walk|Circle|Cir"
)
_ADDRESS = re.compile(
    rf"\b\d{{1,5}}[A-Za-z]?,?\s+(?:[A-Z][A-Za-z'\u2019.-]+\s+){{1,3}}(?:{_STREET_TYPES})\b\.?"
    rf"(?:,?\s+(?:Apt|Apartment|Suite|Unit|Flat)\.?\s*#?\w+)?"
)
_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s+\d[A-Z]{2}\b")
# Candidate phone numbers: digit groups joined by spaces, dots, hyphens or brackets, optionally +country.
_PHONE = re.compile(
    r"(?<![\w$\u00a3\u20ac#.,/:+-])(?:\+|00)?\(?\d{1,4}\)?(?:[ .\u00a0-]{1,2}\(?\d{1,5}\)?){1,5}(?![\w/:%]|[.,]\d)"
    r"|(?<![\w$\u00a3\u20ac#.,/:+-])\+?\d{7,15}(?!\w)"
)
_ISO_DATE = re.compile(r"^\d{4}[-./]\d{1,2}[-./]\d{1,2}$|^\d{1,2}[-./]\d{1,2}[-./]\d{2,4}$")
_YEAR_RANGE = re.compile(r"^(?:19|20)\d\d\s*-\s*(?:19|20)\d\d$")


@dataclass
class Redactions:
    """How many of each marker were inserted (the facilitator guide reports it)."""

    counts: Counter[str] = field(default_factory=Counter)

    def total(self) -> int:
        """Redactions of every kind."""
        return sum(self.counts.values())


def _is_phone(candidate: str) -> bool:
    digits = sum(ch.isdigit() for ch in candidate)
    stripped = candidate.strip()
    if not 7 <= digits <= 15:
        return False
    if _ISO_DATE.match(stripped) or _YEAR_RANGE.match(stripped):
        return False
    if stripped.isdigit() and not 10 <= digits <= 13:
        return False  # a bare run of digits is an id or a count unless it has a phone's length
    groups = re.findall(r"\d+", stripped)
    # "12 05 20 14" is a list of small numbers, not a phone
    return not (len(groups) >= 3 and all(len(g) <= 2 for g in groups))


def redact_pii(text: str, redactions: Redactions | None = None) -> str:
    """``text`` with emails, links, phone numbers, order-style numbers and street addresses replaced by markers."""
    counts = redactions.counts if redactions is not None else Counter()

    def sub(pattern: re.Pattern[str], marker: str, value: str) -> str:
        def repl(match: re.Match[str]) -> str:
            counts[marker] += 1
            return marker

        return pattern.sub(repl, value)

    out = sub(_EMAIL, EMAIL, text)
    out = sub(_SCHEME_URL, LINK, out)
    out = sub(_DOMAIN_PATH, LINK, out)
    out = sub(_DOMAIN, LINK, out)
    out = sub(_ADDRESS, ADDRESS, out)
    out = sub(_POSTCODE, ADDRESS, out)

    def order(match: re.Match[str]) -> str:
        counts[ORDER] += 1
        sep = (match.group("sep") or " ").replace("#", "").replace(":", "").rstrip() + " "
        return f"{match.group('key')}{sep}{ORDER}"

    out = _ORDER.sub(order, out)
    out = sub(_HASH_NUMBER, ORDER, out)

    def phone(match: re.Match[str]) -> str:
        value = match.group(0)
        trail = len(value) - len(value.rstrip(" .-\u00a0"))
        core = value[: len(value) - trail] if trail else value
        if not _is_phone(core):
            return value
        counts[PHONE] += 1
        return PHONE + value[len(core) :]

    return _PHONE.sub(phone, out)
