"""Anonymise a thread for teaching: pseudonyms for people, markers for personal details.

``anonymise_thread(thread, roles, options) -> (Thread, PseudonymMap)`` is pure. It runs on the
model, before analysis, so every output built from the anonymised thread (frames, audit
suggestions, JSON, CSV, Markdown, PDF) only ever sees pseudonyms. What is replaced and how is
documented in docs/case-study.md.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from postmortem.casestudy.redact import Redactions, redact_pii
from postmortem.model import Coverage, Post, Source, Thread, normalise_handle

ROLE_COMPLAINANT = "complainant"
ROLE_CROWD = "crowd"
ROLE_MENTIONED = "mentioned"
NAME_MARKER = "[name]"
COMPANY_HANDLE = "Company"
COMPANY_NAME = "the Company"
MIN_NAME_LETTERS = 3
"""Name parts shorter than this (initials, "Wu", "Li") are not replaced on their own: too many false hits."""
MIN_HANDLE_WORD = 4
"""Handles shorter than this are replaced only as ``@mentions``, never as bare words."""

# Name parts that are also ordinary words: replaced only when written with a capital letter.
_COMMON_WORDS_TEXT = """
    will bill mark rob grant park bell gold moss marsh pike hope joy may june april rose dawn faith grace sky
    sunny hunter frank guy ray pat sue jack max art bob don gene sandy lane king young brown green white black
    hill wood field stone cook baker miller long strong little love summer winter holly ivy iris lily daisy
    ruby amber crystal heather jasper penny pearl rich chase drew gray grey page case price rice reed wade
    carter cash dean earl fisher ford gates hall hart hay heart house lamb law lord mason noble parks porter
    power sharp short south north west east spring steel street swift tanner taylor turner walker ward wells
    wise wolf woods day night star moon bay chance hunt fox bird crane finch rivers river brook brooks lake
    glen dale vale cliff rock sage autumn storm bear buck chip sunday monday friday major judge bishop pope
    cross rich fair good best bright gay jolly merry happy sweet honey candy sugar mercy patience prudence
    victor victory harmony melody destiny trinity justice liberty august ash birch elm oak olive hazel sable
    sterling royal prince duke baron knight marshal page butler clerk cooper dyer fowler gardener hooper mayor
    parson potter salter sawyer shepherd slater smith spencer stewart tyler weaver webb wright
"""
COMMON_WORDS = frozenset(_COMMON_WORDS_TEXT.split())
_COMPANY_GENERIC_TEXT = """
    air airline airlines airways bank group the and inc ltd llc plc company official support care cares help
    team restaurant restaurants foods food store stores shop app service services customer customers global
    international online mobile uk usa us de fr hq news
"""
COMPANY_GENERIC = frozenset(_COMPANY_GENERIC_TEXT.split())
_HANDLE_PREFIXES = ("fly", "the", "get", "try", "ask", "hey", "my", "we", "go", "team", "official", "hello", "hi")
_HANDLE_SUFFIXES = (
    "customercare",
    "customerservice",
    "support",
    "service",
    "services",
    "official",
    "cares",
    "care",
    "help",
    "helps",
    "team",
    "assist",
    "hq",
    "uk",
    "usa",
    "us",
    "app",
    "inc",
    "news",
    "_",
)
_MENTION = re.compile(r"(?<![\w@.])@(\w+(?:@[\w-]+(?:\.[\w-]+)+)?)")
_HASHTAG = re.compile(r"(?<![\w&])#(\w+)")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;\u2026]\s+|\n\s*)$")


@dataclass(frozen=True)
class AnonymiseOptions:
    """What to hide (``hide_company``), whom to leave as is (``keep``), and the shuffle (``seed``)."""

    hide_company: bool = False
    keep: tuple[str, ...] = ()
    """Handles of public figures left un-anonymised on purpose (with or without @)."""
    seed: int | None = None
    """None: letters and numbers in order of first appearance; an int: the order is shuffled with it."""


@dataclass(frozen=True)
class CaseRoles:
    """Who is who in the original thread, from a first analysis (normalised handles)."""

    company: tuple[str, ...]
    complainants: tuple[str, ...] = ()
    """In order of their first post."""
    crowd: tuple[str, ...] = ()
    """In order of their first post."""


@dataclass(frozen=True)
class Person:
    """One anonymised person: their original handle and names, and the pseudonym that replaces them."""

    handle: str
    """Original handle, normalised."""
    pseudonym: str
    """``Customer A`` or ``Follower 3``: the display name used everywhere."""
    pseudo_handle: str
    """``Customer_A``: the handle used in author fields and @mentions."""
    role: str
    """complainant, crowd, or mentioned (named in a post but never posted)."""
    original_handles: tuple[str, ...] = ()
    original_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class PseudonymMap:
    """The pseudonyms of one case. It holds the originals: never write it into a case document."""

    people: tuple[Person, ...]
    company_handles: tuple[str, ...]
    """The company's handles as they appear in the anonymised thread (normalised)."""
    company_name: str
    """How the documents name the company."""
    hide_company: bool
    kept: tuple[str, ...]
    seed: int | None
    redactions: dict[str, int] = field(default_factory=dict)
    """Marker -> how many times it was inserted (``[email]``, ``[phone]``, ``[name]``, ...)."""

    def by_handle(self) -> dict[str, Person]:
        """Original normalised handle -> person."""
        return {p.handle: p for p in self.people}

    def pseudonym(self, handle: str) -> str:
        """The pseudonym for an original handle (unchanged when the handle is kept or the company's)."""
        person = self.by_handle().get(normalise_handle(handle))
        return person.pseudonym if person else handle

    def counts(self) -> dict[str, int]:
        """Role -> number of pseudonyms given."""
        return dict(Counter(p.role for p in self.people))


def letters(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA (spreadsheet-style column letters)."""
    out = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        out = chr(ord("A") + rest) + out
    return out


def strip_accents(text: str) -> str:
    """``Renée Núñez`` -> ``Renee Nunez`` (people often type names without their accents)."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


def _labels(count: int, make: Callable[[int], str], rng: random.Random | None) -> list[str]:
    labels = [make(i) for i in range(count)]
    if rng is not None:
        rng.shuffle(labels)
    return labels


def _mentioned_handles(posts: Iterable[Post]) -> list[str]:
    """Normalised @handles in the text, in order of first mention."""
    seen: dict[str, None] = {}
    for post in posts:
        for match in _MENTION.finditer(post.text):
            seen.setdefault(normalise_handle(match.group(1)), None)
    return list(seen)


def assign_pseudonyms(thread: Thread, roles: CaseRoles, options: AnonymiseOptions) -> list[Person]:
    """Customer A, B, ... for complainants; Follower 1, 2, ... for the crowd and accounts only mentioned."""
    company = {normalise_handle(h) for h in roles.company}
    keep = {normalise_handle(h) for h in options.keep}
    handles: dict[str, list[str]] = {}
    names: dict[str, list[str]] = {}
    for post in thread.posts:
        key = normalise_handle(post.author)
        handles.setdefault(key, [])
        if post.author not in handles[key]:
            handles[key].append(post.author)
        if post.author_name and post.author_name not in names.setdefault(key, []):
            names[key].append(post.author_name)
    skip = company | keep

    def short(handle: str) -> str:
        return handle.split("@", 1)[0]

    known_short = {short(h): h for h in handles}
    complainants = [h for h in roles.complainants if h in handles and h not in skip]
    crowd = [h for h in roles.crowd if h in handles and h not in skip and h not in complainants]
    crowd += [h for h in handles if h not in skip and h not in complainants and h not in crowd]
    mentioned = [
        h
        for h in _mentioned_handles(thread.posts)
        if h not in handles and known_short.get(h) is None and h not in skip and short(h) not in skip
    ]
    rng = random.Random(options.seed) if options.seed is not None else None
    customer_labels = _labels(len(complainants), letters, rng)
    follower_labels = _labels(len(crowd) + len(mentioned), lambda i: str(i + 1), rng)
    people = []
    for handle, label in zip(complainants, customer_labels, strict=True):
        people.append(
            Person(
                handle,
                f"Customer {label}",
                f"Customer_{label}",
                ROLE_COMPLAINANT,
                tuple(handles[handle]),
                tuple(names.get(handle, ())),
            )
        )
    for handle, label in zip(crowd + mentioned, follower_labels, strict=True):
        role = ROLE_CROWD if handle in handles else ROLE_MENTIONED
        people.append(
            Person(
                handle,
                f"Follower {label}",
                f"Follower_{label}",
                role,
                tuple(handles.get(handle, (handle,))),
                tuple(names.get(handle, ())),
            )
        )
    return people


def company_aliases(thread: Thread, company: Iterable[str]) -> list[str]:
    """Ways the company is written: its handles, display names and the brand inside them."""
    wanted = {normalise_handle(h) for h in company}
    aliases: list[str] = []
    for post in thread.posts:
        if normalise_handle(post.author) in wanted:
            aliases.append(post.author)
            if post.author_name:
                aliases.append(post.author_name)
    aliases.extend(wanted)
    out: list[str] = []
    for alias in aliases:
        variants = {alias, alias.replace("&", "and"), alias.replace(" & ", "&"), alias.replace(" & ", " and ")}
        variants.add(re.sub(r"[\s&]+|\band\b", "", alias))
        lowered = alias.casefold()
        core = lowered
        for prefix in _HANDLE_PREFIXES:
            if core.startswith(prefix) and len(core) - len(prefix) >= 4:
                core = core[len(prefix) :]
                break
        for suffix in _HANDLE_SUFFIXES:
            if core.endswith(suffix) and len(core) - len(suffix) >= 4:
                core = core[: -len(suffix)]
                break
        if core != lowered:
            variants.add(core.strip("_"))
        for word in re.findall(r"[^\W_]+", alias):
            if len(word) >= 4 and word.casefold() not in COMPANY_GENERIC:
                variants.add(word)
        out.extend(v.strip() for v in variants if len(v.strip()) >= 3)
    return sorted(set(out), key=lambda v: (-len(v), v))


class _Placeholders:
    """Replacements parked behind private-use characters so later passes cannot touch them."""

    def __init__(self) -> None:
        self.values: list[str] = []

    def park(self, value: str) -> str:
        self.values.append(value)
        code = "".join(chr(0xE010 + int(d)) for d in str(len(self.values) - 1))
        return f"\ue000{code}\ue001"

    def restore(self, text: str) -> str:
        def repl(match: re.Match[str]) -> str:
            index = int("".join(str(ord(ch) - 0xE010) for ch in match.group(1)))
            return self.values[index]

        return re.sub("\ue000([\ue010-\ue019]+)\ue001", repl, text)


@dataclass
class _Word:
    variant: str
    replacement: str
    case_sensitive: bool
    company: bool = False


class TextScrubber:
    """Replaces mentions, hashtags, handles and names, and redacts personal details, in one text."""

    def __init__(
        self,
        people: list[Person],
        company: list[str],
        mapping: dict[str, str],
        redactions: Redactions,
        hide_company: bool,
    ) -> None:
        self.redactions = redactions
        self.mentions = mapping
        self.hide_company = hide_company
        words = self._words(people, company if hide_company else [])
        insensitive = [w for w in words if not w.case_sensitive]
        sensitive = [w for w in words if w.case_sensitive]
        self.lookup = {w.variant.casefold(): w for w in insensitive}
        self.lookup_exact = {w.variant: w for w in sensitive}
        self.rx = self._compile([w.variant for w in insensitive], re.IGNORECASE)
        self.rx_exact = self._compile([w.variant for w in sensitive], 0)
        tags = [w for w in insensitive if len(w.variant) >= 4 and " " not in w.variant]
        self.tag_lookup = {w.variant.casefold(): w for w in tags}
        self.tag_rx = (
            re.compile("|".join(re.escape(v) for v in sorted(self.tag_lookup, key=len, reverse=True)), re.IGNORECASE)
            if tags
            else None
        )

    @staticmethod
    def _compile(variants: list[str], flags: int) -> re.Pattern[str] | None:
        if not variants:
            return None
        body = "|".join(re.escape(v) for v in sorted(set(variants), key=len, reverse=True))
        return re.compile(rf"(?<![\w@#])(?:{body})(?![\w@])", flags)

    @staticmethod
    def _words(people: list[Person], company: list[str]) -> list[_Word]:
        words: list[_Word] = []
        owners: dict[str, set[str]] = {}
        tokens: list[tuple[str, Person]] = []
        for person in people:
            for handle in (*person.original_handles, person.handle):
                short = handle.split("@", 1)[0]
                for value in {handle, short}:
                    if len(value) >= MIN_HANDLE_WORD and not (value.isdigit() and len(value) < 5):
                        words.append(_Word(value, person.pseudonym, False))
            for name in person.original_names:
                for full in {" ".join(name.split()), strip_accents(" ".join(name.split()))}:
                    if len(full) >= MIN_NAME_LETTERS:
                        words.append(_Word(full, person.pseudonym, False))
                for token in name.split():
                    token = token.strip(",()\"'")
                    if sum(ch.isalpha() for ch in token) < MIN_NAME_LETTERS and "." not in token:
                        continue
                    if sum(ch.isalpha() for ch in token) < 2:
                        continue
                    for variant in {token, strip_accents(token)}:
                        owners.setdefault(variant.casefold(), set()).add(person.handle)
                        tokens.append((variant, person))
        for token, person in tokens:
            ambiguous = len(owners[token.casefold()]) > 1
            replacement = NAME_MARKER if ambiguous else person.pseudonym
            if "." in token or token.casefold() in COMMON_WORDS:
                for form in {token, token[:1].upper() + token[1:], token.upper()}:
                    words.append(_Word(form, replacement, True))
            else:
                words.append(_Word(token, replacement, False))
        for alias in company:
            words.append(_Word(alias, COMPANY_NAME, False, company=True))
        # Full names and handles win over single name parts: keep the first word per variant.
        seen: dict[tuple[str, bool], _Word] = {}
        for word in words:
            key = (word.variant if word.case_sensitive else word.variant.casefold(), word.case_sensitive)
            if key not in seen:
                seen[key] = word
        return list(seen.values())

    def _replacement(self, word: _Word, text: str, start: int) -> str:
        if word.replacement == NAME_MARKER:
            self.redactions.counts[NAME_MARKER] += 1
        if not word.company:
            return word.replacement
        before = text[:start]
        if re.search(r"(?i)\b(?:the|my|your|our|his|her|their|a|an|this|that)\s+$", before):
            return COMPANY_HANDLE
        if _SENTENCE_START.search(before):
            return "The Company"
        return COMPANY_NAME

    def scrub(self, text: str) -> str:
        """The text with every person's handle and name replaced and personal details redacted."""
        parked = _Placeholders()

        def mention(match: re.Match[str]) -> str:
            handle = normalise_handle(match.group(1))
            target = self.mentions.get(handle) or self.mentions.get(handle.split("@", 1)[0])
            return parked.park(match.group(0) if target is None else "@" + target)

        out = _MENTION.sub(mention, text)
        out = redact_pii(out, self.redactions)

        def hashtag(match: re.Match[str]) -> str:
            tag = match.group(1)
            if self.tag_rx is None:
                return match.group(0)

            def inner(m: re.Match[str]) -> str:
                word = self.tag_lookup[m.group(0).casefold()]
                return COMPANY_HANDLE if word.company else word.replacement.replace(" ", "")

            new = self.tag_rx.sub(inner, tag)
            return match.group(0) if new == tag else parked.park("#" + new)

        out = _HASHTAG.sub(hashtag, out)
        for rx, lookup, fold in ((self.rx, self.lookup, True), (self.rx_exact, self.lookup_exact, False)):
            if rx is None:
                continue

            def word(match: re.Match[str], lookup: dict[str, _Word] = lookup, fold: bool = fold) -> str:
                key = match.group(0).casefold() if fold else match.group(0)
                return parked.park(self._replacement(lookup[key], match.string, match.start()))

            out = rx.sub(word, out)
        return parked.restore(out)


def _mention_targets(people: list[Person], company: set[str], hide_company: bool) -> dict[str, str]:
    targets = {}
    for person in people:
        targets[person.handle] = person.pseudo_handle
        short = person.handle.split("@", 1)[0]
        targets.setdefault(short, person.pseudo_handle)
    if hide_company:
        for n, handle in enumerate(sorted(company)):
            targets[handle] = COMPANY_HANDLE if n == 0 else f"{COMPANY_HANDLE}{n + 1}"
    return targets


def anonymise_thread(thread: Thread, roles: CaseRoles, options: AnonymiseOptions) -> tuple[Thread, PseudonymMap]:
    """The thread with pseudonyms for every non-company person and personal details redacted.

    Post ids become 1, 2, ... in time order (ids of real posts can be looked up), URLs of posts
    are dropped, and the source keeps only its format.
    """
    company = {normalise_handle(h) for h in roles.company}
    people = assign_pseudonyms(thread, roles, options)
    targets = _mention_targets(people, company, options.hide_company)
    redactions = Redactions()
    aliases = company_aliases(thread, company) if options.hide_company else []
    scrubber = TextScrubber(people, aliases, targets, redactions, options.hide_company)
    by_handle = {p.handle: p for p in people}
    ids = {post.id: str(n + 1) for n, post in enumerate(thread.posts)}
    missing: dict[str, str] = {}
    conversations: dict[str, str] = {}

    def new_id(old: str | None) -> str | None:
        if old is None:
            return None
        if old in ids:
            return ids[old]
        return missing.setdefault(old, f"missing-{len(missing) + 1}")

    def conversation(old: str | None) -> str | None:
        if old is None:
            return None
        return conversations.setdefault(old, f"c{len(conversations) + 1}")

    posts = []
    for post in thread.posts:
        key = normalise_handle(post.author)
        person = by_handle.get(key)
        if person is not None:
            author, name = person.pseudo_handle, person.pseudonym
        elif key in company and options.hide_company:
            author, name = targets[key], COMPANY_NAME
        else:
            author, name = post.author, post.author_name  # type: ignore[assignment]
        posts.append(
            replace(
                post,
                id=ids[post.id],
                parent_id=new_id(post.parent_id),
                author=author,
                author_name=name,
                text=scrubber.scrub(post.text),
                url=None,
                conversation_id=conversation(post.conversation_id),
                quoted_id=new_id(post.quoted_id),
            )
        )
    hint = (
        tuple(normalise_handle(targets.get(h, h)) for h in thread.company_hint)
        if options.hide_company
        else thread.company_hint
    )
    source = Source(
        path="anonymised case study",
        format=thread.source.format,
        sha256="withheld",
        timezone_assumed=thread.source.timezone_assumed,
    )
    coverage = replace(thread.coverage, notes=tuple(scrubber.scrub(n) for n in thread.coverage.notes))
    anonymised = Thread(
        posts=tuple(posts),
        source=source,
        company_hint=hint,
        coverage=coverage if isinstance(coverage, Coverage) else thread.coverage,
        title=scrubber.scrub(thread.title) if thread.title else None,
        conversation_id=conversation(thread.conversation_id),
    )
    company_handles = (
        tuple(normalise_handle(targets.get(h, h)) for h in sorted(company))
        if options.hide_company
        else tuple(sorted(company))
    )
    mapping = PseudonymMap(
        people=tuple(people),
        company_handles=company_handles,
        company_name=COMPANY_NAME if options.hide_company else "",
        hide_company=options.hide_company,
        kept=tuple(normalise_handle(h) for h in options.keep),
        seed=options.seed,
        redactions=dict(redactions.counts),
    )
    return anonymised, mapping
