"""VADER compound scores, identical to the reference ``vaderSentiment`` 3.3.2, only faster.

The reference ``SentimentIntensityAnalyzer.polarity_scores`` recomputes a lot per call:
it rebuilds the text character by character to replace emoji, lower-cases the whole token
list again for every lexicon word (negation, idiom and "but" checks, so O(n²) per text),
and computes the pos/neu/neg proportions we never use. This module runs the very same
rules, in the same order and with the same floating-point operations, but

* scores each distinct text once (deduplication + a cache kept on the scorer),
* analyses each distinct raw token once, for a whole batch at a time with C-level ``map``
  loops (punctuation strip, lower case, lexicon, booster and negation look-ups), and keeps
  the full analysis only for the ~15% of tokens a rule looks up,
* gives a text the lexicon valences of its words straight from that cache when no rule
  can change them (no booster, negation, "no"/"this"/"least", idiom word or ALL-CAPS
  lexicon word in it, or such a modifier with no lexicon word in the 3 places after it),
  and runs the rules only on the other texts,
* skips the emoji pass when a text holds no emoji character (and replaces emoji with one
  ``str.translate``), and returns 0.0 at once for texts without a single lexicon word,
* reads the lexicon file itself with a few C-level string splits (the reference parses it
  line by line, ~2x slower) and the emoji table only when a non-ASCII text needs it,
* pauses the cyclic garbage collector during a batch (no reference cycles are made),
* spreads very large batches over the machine's cores (processes; small batches stay in
  process because start-up costs more than it saves).

The lexicon, emoji table and rule constants are taken from the installed reference
package, so both always agree. ``tests/test_fast_vader.py`` and
``tests/test_sentiment_speed.py`` check equality (``==``) with the reference on varied and
on real texts (and that the lexicon read here is the reference's own).
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import string
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain, compress, repeat
from operator import and_, itemgetter, not_, or_
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, NamedTuple

from vaderSentiment import vaderSentiment as _ref

from postmortem.perf import Pending, fork_usable, gc_paused, nested

if TYPE_CHECKING:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

B_INCR = _ref.B_INCR
C_INCR = _ref.C_INCR
N_SCALAR = _ref.N_SCALAR
BOOSTER_DICT: dict[str, float] = _ref.BOOSTER_DICT
SPECIAL_CASES: dict[str, float] = _ref.SPECIAL_CASES
NEGATE = frozenset(_ref.NEGATE)

#: The reference's data files (it opens them next to its own module file).
LEXICON_FILE = Path(_ref.__file__).with_name("vader_lexicon.txt")
EMOJI_FILE = Path(_ref.__file__).with_name("emoji_utf8_lexicon.txt")

_MULTIWORD_KEYS = [k for k in [*SPECIAL_CASES, *BOOSTER_DICT] if " " in k]
_COMMON = frozenset({"the", "of", "to", "for", "a", "bad", "right", "just", "bus"})

#: One anchor word per multi-word idiom or booster key (its least common word): an idiom or
#: booster n-gram can only match in a window that holds the key's anchor.
_IDIOM_ANCHORS = frozenset(max((w for w in k.split() if w not in _COMMON), key=len) for k in _MULTIWORD_KEYS)

#: Above this many distinct uncached texts, :class:`FastVaderScorer` uses several processes.
PARALLEL_THRESHOLD = 20_000

#: Bound on the per-token cache (memory stays small on unbounded streams of new words).
MAX_CACHED_TOKENS = 500_000

#: Texts handled per bulk token analysis (bounds the memory of one batch's new tokens).
_BATCH = 50_000

_PUNCT = string.punctuation

#: Marks where an emoji description starts while replacing emoji (a text holding this
#: character is handled character by character).
_MARK = "\x00"

#: Words that change the valence of a lexicon word up to three places after them besides
#: boosters (incl. "so") and negations (incl. "never", "without"): "no" (also "no X or Y"),
#: "this" right before, "least". ("or", "nor", "doubt" only act next to "no"/"without".)
_MODIFIER_WORDS = frozenset({"no", "this", "least"})

# Fields of a cached token row (a plain tuple, built at C speed; :class:`Token` names them).
WORD: Final = 0
LOWER: Final = 1
IS_UPPER: Final = 2
VALENCE: Final = 3
BOOSTER: Final = 4
NEGATES: Final = 5
SCORED: Final = 6
MODIFIES: Final = 7

#: word, lower, is_upper, valence, booster, negates, scored, modifies (see :class:`Token`).
Row = tuple[str, str, bool, float | None, float | None, bool, bool, bool]

_SCORED = itemgetter(SCORED)
_MODIFIES = itemgetter(MODIFIES)

#: The look-ups of a word no rule looks up (its word, lower case and caps are not read).
_NEUTRAL: Row = ("", "", False, None, None, False, False, False)

#: Words the rules look up besides lexicon words and "n't" negations: every other word has
#: the :data:`_NEUTRAL` look-ups.
_RULE_WORDS = frozenset({*BOOSTER_DICT, *NEGATE, *_MODIFIER_WORDS, *_IDIOM_ANCHORS, "but"})


def _word(raw: str) -> str:
    """VADER's ``_strip_punc_if_word``: punctuation stripped unless 2 characters or fewer remain."""
    stripped = raw.strip(_PUNCT)
    return raw if len(stripped) <= 2 else stripped


class Token(NamedTuple):
    """One whitespace-separated token after VADER's punctuation strip, with its look-ups."""

    word: str
    lower: str
    is_upper: bool
    valence: float | None
    booster: float | None
    negates: bool
    scored: bool  # in the lexicon and not a booster: the reference scores it
    modifies: bool  # may change the valence of a following lexicon word


@dataclass(frozen=True)
class Parsed:
    """A text as VADER sees it: emoji replaced and stripped, tokens, per-token valences.

    ``valences`` are the per-token sentiment values after every VADER rule including the
    "but" check, i.e. what the reference sums before adding punctuation emphasis.
    """

    text: str
    tokens: Sequence[Token]
    valences: list[float]


class Prepared(NamedTuple):
    """A batch of texts as VADER sees them (every raw token is in the engine's cache)."""

    cleaned: list[str]  # emoji replaced, stripped
    splits: list[list[str]]  # the raw whitespace-separated tokens of each text
    raws: set[str]  # every distinct raw token of the batch


def compound_from_sum(sum_s: float, text: str) -> float:
    """The rounded compound score for a valence sum (before punctuation emphasis).

    The reference's ``_punctuation_emphasis`` and ``normalize``, inlined (same operations; the
    emphasis is only counted when it is added).
    """
    if sum_s > 0 or sum_s < 0:
        qm_count = text.count("?")
        qm_amplifier: float = 0
        if qm_count > 1:
            qm_amplifier = qm_count * 0.18 if qm_count <= 3 else 0.96
        amp = min(text.count("!"), 4) * 0.292 + qm_amplifier
        if sum_s > 0:
            sum_s += amp
        else:
            sum_s -= amp
    norm_score = sum_s / math.sqrt((sum_s * sum_s) + 15)
    if norm_score < -1.0:
        return -1.0
    if norm_score > 1.0:
        return 1.0
    return round(norm_score, 4)


def _but_check(lowers: list[str], sentiments: list[float]) -> list[float]:
    """The reference's "but" rule, reproduced literally.

    The reference locates each value with ``list.index`` (first equal value) while mutating
    the list it iterates; equal values therefore interact, and that quirk is kept.
    """
    bi = lowers.index("but")
    for sentiment in sentiments:
        si = sentiments.index(sentiment)
        if si < bi:
            sentiments.pop(si)
            sentiments.insert(si, sentiment * 0.5)
        elif si > bi:
            sentiments.pop(si)
            sentiments.insert(si, sentiment * 1.5)
    return sentiments


_LINE_STARTS_BLANK = re.compile(r"\n\s")


def load_lexicon(path: Path = LEXICON_FILE) -> dict[str, float]:
    """The reference's ``make_lex_dict`` of a lexicon file, built with C-level splits.

    Every line of the file is ``word<TAB>mean<TAB>sd<TAB>ratings``; splitting the whole file
    on tabs gives the fields, where every third one holds the last field of a line and, after
    its newline, the word of the next. A file of another shape (blank lines, indented words,
    another field count) is parsed the reference's way instead.
    """
    data = path.read_bytes().decode("utf-8").rstrip("\n")
    fields = data.split("\t")
    lines = data.count("\n") + 1
    joints = fields[3::3]
    if (
        len(fields) != 3 * lines + 1
        or not all(map(str.__contains__, joints[:-1], repeat("\n")))
        or data[:1].isspace()
        or _LINE_STARTS_BLANK.search(data)
    ):
        return _parse_lexicon(data)
    words = [fields[0], *map(itemgetter(2), map(str.rpartition, joints[:-1], repeat("\n")))]
    return dict(zip(words, map(float, fields[1::3]), strict=True))


def _parse_lexicon(data: str) -> dict[str, float]:
    """The reference's ``make_lex_dict``, line by line."""
    lex: dict[str, float] = {}
    for line in data.rstrip("\n").split("\n"):
        if not line:
            continue
        word, measure = line.strip().split("\t")[0:2]
        lex[word] = float(measure)
    return lex


def load_emojis(path: Path = EMOJI_FILE) -> dict[str, str]:
    """The reference's ``make_emoji_dict``: emoji -> textual description."""
    lines = path.read_bytes().decode("utf-8").rstrip("\n").split("\n")
    return dict(map(itemgetter(0, 1), map(str.split, map(str.strip, lines), repeat("\t"))))


def load_emoji_characters(path: Path = EMOJI_FILE) -> dict[str, str]:
    """The entries of :func:`load_emojis` whose key is one character (the only ones the
    reference can replace: it tests ``char in emojis``), read without parsing the others."""
    data = path.read_bytes().decode("utf-8")
    if data[:1].isspace() or _LINE_STARTS_BLANK.search(data):  # stripping would move keys
        return {k: v for k, v in load_emojis(path).items() if len(k) == 1}
    lines = [line for line in data.rstrip("\n").split("\n") if line[1:2] == "\t"]
    return dict(map(itemgetter(0, 1), map(str.split, map(str.strip, lines), repeat("\t"))))


class FastVader:
    """The VADER rule engine with per-token caches; ``compound(t)`` equals the reference's.

    Built from a reference ``analyzer`` (its lexicon and emoji table) or, by default, from
    the reference package's data files read directly (cheaper than constructing one).
    """

    def __init__(self, analyzer: SentimentIntensityAnalyzer | None = None) -> None:
        self.lexicon: dict[str, float] = analyzer.lexicon if analyzer is not None else load_lexicon()
        self._emojis: dict[str, str] | None = analyzer.emojis if analyzer is not None else None
        self._emoji_table: dict[int, str] | None = None  # ord(emoji) -> marker + description
        self._emoji_chars: frozenset[str] = frozenset()
        # A lexicon word of valence 0 would change under a booster: such words always take
        # the full rules (the 3.3.2 lexicon has none).
        self._zero_valence = (
            frozenset(k for k, v in self.lexicon.items() if v == 0) if 0 in self.lexicon.values() else frozenset()
        )
        # Per raw token caches. Every analysed raw: its lower-case word. Only the raws a
        # VADER rule looks up (lexicon, booster and negation words, modifiers, idiom words,
        # "but": ~15% of a real batch's distinct tokens) have a :data:`Row` (any other raw
        # has :data:`_NEUTRAL`'s look-ups). The raws that are lexicon words; for raws whose
        # valence a rule may change (modifiers, idiom anchors, scored words in ALL CAPS)
        # None, for other lexicon words the valence VADER gives them (absent: 0); modifiers
        # that are neither scored nor idiom words; raws that read "but".
        self._lower: dict[str, str] = {}
        self._rows: dict[str, Row] = {}
        self._lexical_raws: set[str] = set()
        self._plain: dict[str, float | None] = {}
        self._pure_modifiers: set[str] = set()
        self._but_raws: set[str] = set()

    @property
    def emojis(self) -> dict[str, str]:
        """The reference's emoji table (read on first use)."""
        if self._emojis is None:
            self._emojis = load_emojis()
        return self._emojis

    # --- text and token preparation -------------------------------------------------
    def _emoji_translation(self) -> dict[int, str]:
        if self._emoji_table is None:
            singles = self._emojis if self._emojis is not None else load_emoji_characters()
            table = {k: v for k, v in singles.items() if len(k) == 1}
            self._emoji_table = {ord(k): _MARK + v for k, v in table.items()}
            self._emoji_chars = frozenset(table)
        return self._emoji_table

    def replace_emoji(self, text: str) -> str:
        """Emoji replaced by their descriptions exactly as the reference does, then stripped.

        The reference puts a space before a description unless it starts the text or follows
        a space character (also after another emoji's description), none after it.
        """
        if text.isascii():
            return text.strip()
        table = self._emoji_translation()
        if self._emoji_chars.isdisjoint(text):
            return text.strip()
        if _MARK in text:
            return self._replace_emoji_by_char(text)
        marked = text.translate(table)  # each emoji -> marker + description
        if marked.startswith(_MARK):
            marked = marked[1:]
        return marked.replace(" " + _MARK, " ").replace(_MARK, " ").strip()

    def _replace_emoji_by_char(self, text: str) -> str:
        """``replace_emoji`` character by character (the reference's loop)."""
        table = self._emoji_translation()
        parts: list[str] = []
        prev_space = True
        for ch in text:
            description = table.get(ord(ch))
            if description is not None:
                if not prev_space:
                    parts.append(" ")
                parts.append(description[1:])
                prev_space = False
            else:
                parts.append(ch)
                prev_space = ch == " "
        return "".join(parts).strip()

    def row(self, raw: str) -> Row:
        """Cached analysis of one raw whitespace-separated token."""
        if raw not in self._lower:
            self.add_tokens({raw})
        found = self._rows.get(raw)
        if found is not None:
            return found
        return (_word(raw), self._lower[raw], raw.isupper(), None, None, False, False, False)

    def add_tokens(self, raws: set[str]) -> None:
        """Analyse every not yet cached raw token of a batch at once (C-level loops).

        The cache is emptied first when it would outgrow ``MAX_CACHED_TOKENS``; the tokens
        of the current batch are always kept, so a batch can rely on them being cached.
        """
        new = list(raws.difference(self._lower))
        if not new:
            return
        if len(self._lower) + len(new) > MAX_CACHED_TOKENS:
            self.clear_cache()
            new = list(raws)  # after clearing, the whole batch is new
        stripped = list(map(str.strip, new, repeat(_PUNCT)))
        words = [raw if len(s) <= 2 else s for raw, s in zip(new, stripped, strict=True)]
        lowers = list(map(str.lower, words))
        self._lower.update(zip(new, lowers, strict=True))
        lexicon = self.lexicon
        lexical = list(map(lexicon.__contains__, lowers))
        # Only the words a rule looks up need the full analysis.
        looked_up = list(
            map(
                or_,
                map(or_, lexical, map(_RULE_WORDS.__contains__, lowers)),
                map(str.__contains__, lowers, repeat("n't")),
            )
        )
        new = list(compress(new, looked_up))
        words = list(compress(words, looked_up))
        lowers = list(compress(lowers, looked_up))
        uppers = list(map(str.isupper, words))
        lexical = list(compress(lexical, looked_up))
        valences = list(map(lexicon.get, lowers))
        boosters = list(map(BOOSTER_DICT.get, lowers))
        is_booster = list(map(BOOSTER_DICT.__contains__, lowers))
        negates = list(map(or_, map(NEGATE.__contains__, lowers), map(str.__contains__, lowers, repeat("n't"))))
        scored = list(map(and_, lexical, map(not_, is_booster)))
        modifies = list(map(or_, map(or_, is_booster, negates), map(_MODIFIER_WORDS.__contains__, lowers)))
        rows = zip(words, lowers, uppers, valences, boosters, negates, scored, modifies, strict=True)
        self._rows.update(zip(new, rows, strict=True))
        self._lexical_raws.update(compress(new, lexical))
        # A rule may change a lexicon word's valence near a modifier, an idiom word or when
        # the word is in ALL CAPS (and the text is not): such texts go through the rules.
        anchors = list(map(_IDIOM_ANCHORS.__contains__, lowers))
        ruled = list(map(or_, map(or_, modifies, anchors), map(and_, uppers, scored)))
        if self._zero_valence:
            ruled = list(map(or_, ruled, map(self._zero_valence.__contains__, lowers)))
        # Modifiers that are neither scored nor idiom words act only on the 3 words after them.
        self._pure_modifiers.update(compress(new, map(and_, modifies, map(not_, map(or_, scored, anchors)))))
        simple = list(map(and_, scored, map(not_, ruled)))
        self._plain.update(dict.fromkeys(compress(new, ruled)))
        self._plain.update(zip(compress(new, simple), compress(valences, simple), strict=True))
        self._but_raws.update(compress(new, map("but".__eq__, lowers)))

    def prepare(self, texts: Sequence[str]) -> Prepared:
        """Clean and split a batch of texts, and analyse its new raw tokens in bulk."""
        cleaned = [t.strip() if t.isascii() else self.replace_emoji(t) for t in texts]
        splits = list(map(str.split, cleaned))
        raws = set(chain.from_iterable(splits))
        self.add_tokens(raws)
        return Prepared(cleaned, splits, raws)

    def sentiments(self, raws: list[str]) -> list[float] | None:
        """The reference's per-token sentiments of a text's raw tokens (a new list), or None
        when it holds no lexicon word (all sentiments are 0).

        The raw tokens must have been analysed (:meth:`prepare` or :meth:`add_tokens` of the
        same batch): a raw token missing from the cache would count as a neutral word.
        """
        if self._lexical_raws.isdisjoint(raws):
            return None
        looked_up = list(map(self._plain.get, raws, repeat(0)))
        if None in looked_up:
            # Modifiers with no lexicon word in the 3 places after them change nothing (they
            # score 0 themselves); any other word a rule may touch takes the full rules.
            pure = self._pure_modifiers
            at = -1
            for _ in range(looked_up.count(None)):
                at = looked_up.index(None, at + 1)
                if raws[at] not in pure or any(looked_up[at + 1 : at + 4]):
                    return self._valences(raws)
                looked_up[at] = 0
        # Nothing modifies any lexicon word: its valence is the lexicon's.
        if not self._but_raws.isdisjoint(raws):
            return _but_check(self.lowers(raws), looked_up)  # type: ignore[arg-type]
        return looked_up  # type: ignore[return-value]

    def is_lexical(self, raw: str) -> bool:
        """Whether an analysed raw token is a lexicon word (only those get a valence)."""
        return raw in self._lexical_raws

    def lowers(self, raws: list[str]) -> list[str]:
        """The lower-case words of analysed raw tokens (after VADER's punctuation strip)."""
        return list(map(self._lower.__getitem__, raws))

    def compound_many(self, texts: Sequence[str]) -> list[float]:
        """``compound`` for many texts, with the batch's new tokens analysed in bulk first."""
        with gc_paused():
            cleaned, splits, _ = self.prepare(texts)
            sentiments = self.sentiments
            out: list[float] = []
            for clean, raws in zip(cleaned, splits, strict=True):
                valences = sentiments(raws)
                out.append(0.0 if valences is None else compound_from_sum(float(sum(valences)), clean))
            return out

    def clear_cache(self) -> None:
        """Forget the per-token cache (for cold-start benchmarks)."""
        caches: tuple[dict[str, str] | dict[str, Row] | dict[str, float | None] | set[str], ...] = (
            self._lower,
            self._rows,
            self._lexical_raws,
            self._plain,
            self._pure_modifiers,
            self._but_raws,
        )
        for cache in caches:
            cache.clear()

    # --- scoring ----------------------------------------------------------------------
    def parse(self, text: str) -> Parsed:
        """Tokens and per-token valences of ``text`` (the reference's ``sentiments`` list)."""
        clean, rows, valences = self._analyse(text)
        return Parsed(clean, tuple(map(Token._make, rows)), valences)

    def compound(self, text: str) -> float:
        """The reference's ``polarity_scores(text)["compound"]``."""
        clean, _, valences = self._analyse(text)
        if not valences:
            return 0.0
        return compound_from_sum(float(sum(valences)), clean)

    def _analyse(self, text: str) -> tuple[str, list[Row], list[float]]:
        clean = self.replace_emoji(text)
        raws = clean.split()
        self.add_tokens(set(raws))
        rows: list[Row] = list(map(self.row, raws))
        if self._lexical_raws.isdisjoint(raws):
            return clean, rows, [0] * len(rows)
        return clean, rows, self._valences(raws)

    def _valences(self, raws: list[str]) -> list[float]:
        """Per-token valences: 0 for non-lexicon words, boosters and "kind" in "kind of"."""
        tokens = list(map(self._rows.get, raws, repeat(_NEUTRAL)))
        lowers = self.lowers(raws)
        n = len(tokens)
        upper_count = sum(map(str.isupper, raws))  # (a word in caps is a raw token in caps: only
        # punctuation, which has no case, is stripped)
        is_cap_diff = 0 < n - upper_count < n
        sentiments: list[float] = [0] * n
        modifiers = list(map(_MODIFIES, tokens))
        has_anchor = not _IDIOM_ANCHORS.isdisjoint(lowers)
        for i in compress(range(n), map(_SCORED, tokens)):
            tok = tokens[i]
            lo = max(i - 3, 0)
            if (
                not (tok[IS_UPPER] and is_cap_diff)
                and not any(modifiers[lo:i])
                and tok[LOWER] != "no"
                and not (has_anchor and not _IDIOM_ANCHORS.isdisjoint(lowers[lo : i + 3]))
            ):
                # No booster, negation, "no", "least", "never so", idiom or caps emphasis in
                # reach: every reference rule leaves the lexicon valence as it is.
                sentiments[i] = tok[VALENCE]  # type: ignore[assignment]
            elif not (tok[LOWER] == "kind" and i < n - 1 and lowers[i + 1] == "of"):
                sentiments[i] = self._word_valence(tokens, lowers, i, is_cap_diff)
        if "but" in lowers:
            sentiments = _but_check(lowers, sentiments)
        return sentiments

    def _word_valence(self, tokens: Sequence[Row], lowers: list[str], i: int, is_cap_diff: bool) -> float:
        """The reference's ``sentiment_valence`` for a lexicon word at position ``i``.

        Same rules and float operations in the same order as the reference; the scalar,
        negation, idiom and "least" helpers are inlined where they are no-ops for most words.
        ``tokens`` hold :data:`_NEUTRAL` for the words no rule looks up: only their
        ``lowers`` are read.
        """
        lexicon = self.lexicon
        tok = tokens[i]
        base = tok[VALENCE]
        assert base is not None
        valence = base
        if tok[LOWER] == "no" and i != len(tokens) - 1 and lowers[i + 1] in lexicon:
            valence = 0.0
        if (
            (i > 0 and lowers[i - 1] == "no")
            or (i > 1 and lowers[i - 2] == "no")
            or (i > 2 and lowers[i - 3] == "no" and lowers[i - 1] in ("or", "nor"))
        ):
            valence = base * N_SCALAR
        if tok[IS_UPPER] and is_cap_diff:
            valence = valence + C_INCR if valence > 0 else valence - C_INCR
        for start_i in range(min(i, 3)):
            prev = tokens[i - (start_i + 1)]
            if lowers[i - (start_i + 1)] in lexicon:
                continue
            if prev[BOOSTER] is not None:
                valence = valence + _scaled_booster(prev, valence, is_cap_diff, start_i)
            valence = _negation_check(valence, tokens, lowers, start_i, i)
            if start_i == 2 and not _IDIOM_ANCHORS.isdisjoint(lowers[i - 3 : i + 3]):
                valence = _special_idioms_check(valence, lowers, i)
        if i > 0 and lowers[i - 1] == "least":
            valence = _least_check(valence, lowers, i, lexicon)
        return valence


def _scaled_booster(tok: Row, valence: float, is_cap_diff: bool, start_i: int) -> float:
    """The reference's ``scalar_inc_dec`` for a booster word ``start_i + 1`` places back."""
    scalar = tok[BOOSTER]
    assert scalar is not None
    if valence < 0:
        scalar *= -1
    if tok[IS_UPPER] and is_cap_diff:
        if valence > 0:
            scalar += C_INCR
        else:
            scalar -= C_INCR
    if start_i == 1 and scalar != 0:
        scalar = scalar * 0.95
    if start_i == 2 and scalar != 0:
        scalar = scalar * 0.9
    return scalar


def _negation_check(valence: float, tokens: Sequence[Row], lowers: list[str], start_i: int, i: int) -> float:
    """The reference's ``_negation_check`` (with per-token precomputed negation flags)."""
    if start_i == 0:
        if tokens[i - 1][NEGATES]:
            valence = valence * N_SCALAR
    elif start_i == 1:
        if lowers[i - 2] == "never" and lowers[i - 1] in ("so", "this"):
            valence = valence * 1.25
        elif lowers[i - 2] == "without" and lowers[i - 1] == "doubt":
            pass
        elif tokens[i - 2][NEGATES]:
            valence = valence * N_SCALAR
    else:
        if (lowers[i - 3] == "never" and lowers[i - 2] in ("so", "this")) or lowers[i - 1] in ("so", "this"):
            valence = valence * 1.25
        elif lowers[i - 3] == "without" and (lowers[i - 2] == "doubt" or lowers[i - 1] == "doubt"):
            pass
        elif tokens[i - 3][NEGATES]:
            valence = valence * N_SCALAR
    return valence


def _special_idioms_check(valence: float, lowers: list[str], i: int) -> float:
    """The reference's ``_special_idioms_check`` (only called when an idiom word is near)."""
    n = len(lowers)
    w3, w2, w1, w0 = lowers[i - 3], lowers[i - 2], lowers[i - 1], lowers[i]
    sequences = [f"{w1} {w0}", f"{w2} {w1} {w0}", f"{w2} {w1}", f"{w3} {w2} {w1}", f"{w3} {w2}"]
    for seq in sequences:
        if seq in SPECIAL_CASES:
            valence = SPECIAL_CASES[seq]
            break
    if n - 1 > i:
        zeroone = f"{w0} {lowers[i + 1]}"
        if zeroone in SPECIAL_CASES:
            valence = SPECIAL_CASES[zeroone]
    if n - 1 > i + 1:
        zeroonetwo = f"{w0} {lowers[i + 1]} {lowers[i + 2]}"
        if zeroonetwo in SPECIAL_CASES:
            valence = SPECIAL_CASES[zeroonetwo]
    for n_gram in (f"{w3} {w2} {w1}", f"{w3} {w2}", f"{w2} {w1}"):
        if n_gram in BOOSTER_DICT:
            valence = valence + BOOSTER_DICT[n_gram]
    return valence


def _least_check(valence: float, lowers: list[str], i: int, lexicon: dict[str, float]) -> float:
    """The reference's ``_least_check``."""
    if i > 1 and lowers[i - 1] not in lexicon and lowers[i - 1] == "least":
        if lowers[i - 2] != "at" and lowers[i - 2] != "very":
            valence = valence * N_SCALAR
    elif i > 0 and lowers[i - 1] not in lexicon and lowers[i - 1] == "least":
        valence = valence * N_SCALAR
    return valence


@lru_cache(maxsize=1)
def _reference() -> SentimentIntensityAnalyzer:
    return _ref.SentimentIntensityAnalyzer()


@lru_cache(maxsize=1)
def shared_engine() -> FastVader:
    """One engine per process (lexicon loaded once)."""
    return FastVader()


def in_batches(compound_many: Callable[[list[str]], list[float]], texts: list[str]) -> list[float]:
    """``compound_many`` over ``texts`` in batches of ``_BATCH`` (bounding the per-batch caches)."""
    return [score for k in range(0, len(texts), _BATCH) for score in compound_many(texts[k : k + _BATCH])]


def _score_chunk(texts: list[str]) -> list[float]:
    return in_batches(shared_engine().compound_many, texts)


def _chunks(items: list[str], n: int) -> list[list[str]]:
    size = math.ceil(len(items) / n)
    return [items[k : k + size] for k in range(0, len(items), size)]


def use_processes(workers: int, distinct: int, threshold: int) -> bool:
    """Whether a batch of ``distinct`` new texts is worth ``workers`` processes: more than
    ``threshold`` of them, and not already inside a worker process (e.g. the review's pool:
    no nested pools)."""
    return workers > 1 and distinct > threshold and not nested()


def score_in_processes(score_chunk: Callable[[list[str]], list[float]], texts: list[str], workers: int) -> list[float]:
    """``score_chunk`` over ``texts`` split in ``4 * workers`` chunks on ``workers`` processes.

    ``score_chunk`` must be a module-level function (it is pickled by name); each worker
    keeps its own per-token caches across the chunks it handles.
    """
    return start_in_processes(score_chunk, texts, workers)()


def start_in_processes(
    score_chunk: Callable[[list[str]], list[float]], texts: list[str], workers: int
) -> Pending[list[float]]:
    """:func:`score_in_processes`, started: the workers score while the caller goes on."""
    pool = ProcessPoolExecutor(max_workers=workers)
    try:
        futures = [pool.submit(score_chunk, chunk) for chunk in _chunks(texts, workers * 4)]
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        raise

    def finish() -> list[float]:
        try:
            scores = [score for future in futures for score in future.result()]
        except BaseException:  # e.g. Ctrl-C while waiting: drop the chunks not started yet
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        pool.shutdown(wait=True)
        return scores

    return Pending(finish, lambda: pool.shutdown(wait=True, cancel_futures=True))


#: From this many distinct new texts up to :data:`PARALLEL_THRESHOLD`, half of a batch is
#: scored by one forked child process (a fork costs a few ms; a process pool ~40 ms).
SPLIT_THRESHOLD = 1_000


def use_fork_split(workers: int, distinct: int, threshold: int = SPLIT_THRESHOLD) -> bool:
    """Whether to score half of a medium batch in a forked child: two or more workers, at
    least ``threshold`` texts, and :func:`~postmortem.perf.fork_usable`."""
    return workers > 1 and distinct >= threshold and fork_usable()


def score_split_fork(score_chunk: Callable[[list[str]], list[float]], texts: list[str]) -> list[float]:
    """``score_chunk(texts)``, the second half computed by a forked child meanwhile
    (:func:`~postmortem.perf.fork_pair`).

    The child sends its scores back as raw doubles (exact); if anything goes wrong there, this
    process scores that half itself. Scores do not depend on which process computes them
    (each text is scored on its own).
    """
    from array import array

    from postmortem.perf import fork_pair

    half = len(texts) // 2
    first, raw = fork_pair(lambda: score_chunk(texts[:half]), lambda: array("d", score_chunk(texts[half:])).tobytes())
    second = array("d")
    second.frombytes(raw[: len(raw) // 8 * 8])
    if len(second) != len(texts) - half:
        return first + score_chunk(texts[half:])
    return first + second.tolist()


def distinct_new(texts: Iterable[str], cache: dict[str, float]) -> list[str]:
    """The distinct texts of a batch that are not in ``cache``, in first-seen order."""
    return [t for t in dict.fromkeys(texts) if t not in cache]


#: A prefetch sends its workers a task once it has gathered this many distinct new texts.
PREFETCH_CHUNK = 20_000


def _yield_the_cpu() -> None:
    """Initializer of the prefetch workers: the lowest priority, so the process reading the
    file keeps its core and the workers take what is left (all of it once it waits for them)."""
    with contextlib.suppress(OSError):
        os.nice(19)


class Prefetch:
    """Texts scored by worker processes while the file they come from is still being read.

    Loading a big file keeps one core busy for seconds and the other idle; scoring its texts
    is the analysis's largest single step. :meth:`CachedScorer.prefetch` feeds this with each
    block of texts the loader reads; once :data:`PREFETCH_CHUNK` distinct new ones are
    gathered it starts a pool of low-priority workers and sends them the texts, a task per
    chunk. :meth:`settle` puts every score in the scorer's cache. A chunk whose worker failed
    is simply left out: the scorer scores those texts itself when they are asked for.
    """

    def __init__(self, score_chunk: Callable[[list[str]], list[float]], workers: int, cache: dict[str, float]) -> None:
        self._score_chunk = score_chunk
        self._workers = workers
        self._cache = cache
        self._claimed: set[str] = set()
        self._gathered: list[str] = []
        self._tasks: list[tuple[list[str], Any]] = []
        self._pool: ProcessPoolExecutor | None = None
        self._broken = False

    @property
    def started(self) -> bool:
        """Whether any texts were sent to the workers."""
        return bool(self._tasks)

    def add(self, texts: Iterable[object]) -> None:
        """Gather the distinct texts not scored or gathered yet; send them once there are enough."""
        if self._broken:
            return
        cache, claimed = self._cache, self._claimed
        new = [t for t in dict.fromkeys(texts) if isinstance(t, str) and t not in cache and t not in claimed]
        claimed.update(new)
        self._gathered.extend(new)
        if len(self._gathered) >= PREFETCH_CHUNK:
            self.flush()

    def flush(self) -> None:
        """Send what is gathered (once a pool runs, or when it is enough to start one)."""
        batch, self._gathered = self._gathered, []
        if not batch or self._broken:
            return
        if self._pool is None and len(batch) < PREFETCH_CHUNK:
            self._claimed.difference_update(batch)  # not worth a pool: scored when asked for
            return
        try:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(max_workers=self._workers, initializer=_yield_the_cpu)
            for k in range(0, len(batch), PREFETCH_CHUNK):
                part = batch[k : k + PREFETCH_CHUNK]
                self._tasks.append((part, self._pool.submit(self._score_chunk, part)))
        except (OSError, RuntimeError):  # no processes here (limits, interpreter shutting down)
            self._broken = True
            self.cancel()

    def settle(self) -> None:
        """Wait for the workers, put their scores in the cache and stop them."""
        from concurrent.futures.process import BrokenProcessPool

        tasks, self._tasks = self._tasks, []
        cache = self._cache
        try:
            for part, future in tasks:
                try:
                    cache.update(zip(part, future.result(), strict=True))
                except (BrokenProcessPool, OSError, ValueError):  # scored in this process when asked for
                    continue
        except BaseException:  # e.g. Ctrl-C while waiting
            self.cancel()
            raise
        self._stop(cancel=False)

    def cancel(self) -> None:
        """Stop the workers; the scores not collected yet are dropped."""
        self._tasks = []
        self._stop(cancel=True)

    def _stop(self, *, cancel: bool) -> None:
        self._claimed.clear()
        self._gathered = []
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=cancel)


class CachedScorer:
    """What both scorers share: scores cached per distinct text, big batches on worker
    processes, scoring in the background (:meth:`score_in_background`) and while a file is
    still being read (:meth:`prefetch`). Subclasses give ``method``, :meth:`_score_unique`
    and :meth:`_chunk_function`."""

    method: str

    def __init__(self, workers: int | None = None, parallel_threshold: int = PARALLEL_THRESHOLD) -> None:
        self.workers = workers if workers is not None else (os.cpu_count() or 1)
        self.parallel_threshold = parallel_threshold
        self._cache: dict[str, float] = {}
        self._prefetch: Prefetch | None = None

    def score(self, texts: Sequence[str]) -> list[float]:
        """Compound score per text."""
        cache = self._cache
        todo = distinct_new(texts, cache)
        if todo:
            cache.update(zip(todo, self._score_unique(todo), strict=True))
        return [cache[t] for t in texts]

    def score_in_background(self, texts: Sequence[str]) -> Pending[list[float]]:
        """:meth:`score`, started: a batch big enough for the worker processes (or texts a
        :meth:`prefetch` already sent them) is scored by them while the caller goes on;
        anything else is scored when the result is asked for. Call the result for the scores."""
        prefetch, self._prefetch = self._prefetch, None
        if prefetch is not None:
            if prefetch.started:
                prefetch.add(texts)
                prefetch.flush()

                def collect() -> list[float]:
                    prefetch.settle()
                    try:
                        return [self._cache[t] for t in texts]
                    except KeyError:  # a failed worker's texts: scored here
                        return self.score(texts)

                return Pending(collect, prefetch.cancel)
            prefetch.cancel()
        cache = self._cache
        todo = distinct_new(texts, cache)
        if not (todo and use_processes(self.workers, len(todo), self.parallel_threshold)):
            return Pending(lambda: self.score(texts))
        if not all(isinstance(t, str) for t in todo):
            return Pending(lambda: self.score(texts))
        pending = start_in_processes(self._chunk_function(), todo, self.workers)

        def finish() -> list[float]:
            cache.update(zip(todo, pending(), strict=True))
            return [cache[t] for t in texts]

        return Pending(finish, pending.cancel)

    def prefetch(self, texts: Sequence[object]) -> None:
        """Texts that will be asked for soon (a block of a file being loaded): from
        :data:`PREFETCH_CHUNK` distinct new ones on, low-priority worker processes score them
        meanwhile. The next :meth:`score_in_background` collects the scores; call
        :meth:`settle` (or :meth:`drop_prefetch`) before forking this process. Nothing happens
        with one worker or inside a worker process."""
        if self._prefetch is None:
            if self.workers < 2 or nested():
                return
            self._prefetch = Prefetch(self._chunk_function(), self.workers, self._cache)
        self._prefetch.add(texts)

    def settle(self) -> None:
        """Wait for a :meth:`prefetch`'s workers and keep their scores (none running after)."""
        prefetch, self._prefetch = self._prefetch, None
        if prefetch is not None:
            prefetch.flush()
            prefetch.settle()

    def drop_prefetch(self) -> None:
        """Stop a :meth:`prefetch`'s workers without waiting for their scores."""
        prefetch, self._prefetch = self._prefetch, None
        if prefetch is not None:
            prefetch.cancel()

    def _score_unique(self, texts: list[str]) -> list[float]:
        raise NotImplementedError

    def _chunk_function(self) -> Callable[[list[str]], list[float]]:
        """A module-level function scoring a list of texts (pickled by name to the workers)."""
        raise NotImplementedError


class FastVaderScorer(CachedScorer):
    """Plain VADER compound scores, identical to the reference, several times faster.

    Follows :class:`postmortem.analysis.sentiment.SentimentScorer` (see :class:`CachedScorer`).
    Results are cached per distinct text on the instance; batches with more than
    ``parallel_threshold`` distinct new texts are split over ``workers`` processes (default:
    the CPU count, at most 2 are useful on the target machine but more are allowed; none
    inside a worker process).
    """

    method = "vader"

    def _chunk_function(self) -> Callable[[list[str]], list[float]]:
        return _score_chunk

    def _score_unique(self, texts: list[str]) -> list[float]:
        strings = [t for t in texts if isinstance(t, str)]
        if len(strings) != len(texts):
            ref = _reference()
            return [float(ref.polarity_scores(t)["compound"]) for t in texts]
        if use_processes(self.workers, len(texts), self.parallel_threshold):
            return score_in_processes(_score_chunk, texts, self.workers)
        if use_fork_split(self.workers, len(texts)):
            return score_split_fork(_score_chunk, texts)
        return _score_chunk(texts)
