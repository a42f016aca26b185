"""VADER compound scores, identical to the reference ``vaderSentiment`` 3.3.2, only faster.

The reference ``SentimentIntensityAnalyzer.polarity_scores`` recomputes a lot per call:
it rebuilds the text character by character to replace emoji, lower-cases the whole token
list again for every lexicon word (negation, idiom and "but" checks, so O(n²) per text),
and computes the pos/neu/neg proportions we never use. This module runs the very same
rules, in the same order and with the same floating-point operations, but

* scores each distinct text once (deduplication + a cache kept on the scorer),
* analyses each distinct raw token once (punctuation strip, lower case, lexicon, booster
  and negation look-ups are cached per token),
* skips the emoji pass when a text holds no emoji character, and returns 0.0 at once for
  texts without a single lexicon word,
* spreads very large batches over the machine's cores (processes; small batches stay in
  process because start-up costs more than it saves).

The lexicon, emoji table and rule constants are taken from the installed reference
package, so both always agree. ``tests/test_fast_vader.py`` checks equality (``==``) with
the reference on varied and on real texts.
"""

from __future__ import annotations

import math
import os
import string
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from itertools import compress
from operator import itemgetter
from typing import TYPE_CHECKING, NamedTuple, cast

from vaderSentiment import vaderSentiment as _ref

if TYPE_CHECKING:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

B_INCR = _ref.B_INCR
C_INCR = _ref.C_INCR
N_SCALAR = _ref.N_SCALAR
BOOSTER_DICT: dict[str, float] = _ref.BOOSTER_DICT
SPECIAL_CASES: dict[str, float] = _ref.SPECIAL_CASES
NEGATE = frozenset(_ref.NEGATE)

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


_new_tuple = tuple.__new__
_LOWER = itemgetter(1)
_IS_UPPER = itemgetter(2)
_SCORED = itemgetter(6)
_MODIFIES = itemgetter(7)

#: Words that change the valence of a lexicon word up to three places after them besides
#: boosters (incl. "so") and negations (incl. "never", "without"): "no" (also "no X or Y"),
#: "this" right before, "least". ("or", "nor", "doubt" only act next to "no"/"without".)
_MODIFIER_WORDS = frozenset({"no", "this", "least"})


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


def amplifier(text: str) -> float:
    """VADER's punctuation emphasis: up to 4 '!' and 2-3+ '?' (same arithmetic as the reference)."""
    ep_count = min(text.count("!"), 4)
    ep_amplifier = ep_count * 0.292
    qm_count = text.count("?")
    qm_amplifier: float = 0
    if qm_count > 1:
        qm_amplifier = qm_count * 0.18 if qm_count <= 3 else 0.96
    return ep_amplifier + qm_amplifier


def normalize(score: float, alpha: float = 15) -> float:
    """VADER's squashing of a valence sum into [-1, 1]."""
    norm_score = score / math.sqrt((score * score) + alpha)
    if norm_score < -1.0:
        return -1.0
    if norm_score > 1.0:
        return 1.0
    return norm_score


def compound_from_sum(sum_s: float, text: str) -> float:
    """The rounded compound score for a valence sum (before punctuation emphasis)."""
    amp = amplifier(text)
    if sum_s > 0:
        sum_s += amp
    elif sum_s < 0:
        sum_s -= amp
    return round(normalize(sum_s), 4)


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


class FastVader:
    """The VADER rule engine with per-token caches; ``compound(t)`` equals the reference's."""

    def __init__(self, analyzer: SentimentIntensityAnalyzer | None = None) -> None:
        analyzer = analyzer or _reference()
        self.lexicon: dict[str, float] = analyzer.lexicon
        self.emojis: dict[str, str] = analyzer.emojis
        self._emoji_chars = frozenset(k for k in self.emojis if len(k) == 1)
        # Per raw token caches: the analysis; raws that are lexicon words; "plain" raws (no
        # modifier, no idiom anchor) with the valence VADER gives them when nothing modifies
        # them; scored raws in ALL CAPS; raws that read "but".
        self._tokens: dict[str, Token] = {}
        self._lexical_raws: set[str] = set()
        self._plain: dict[str, float] = {}
        self._upper_scored: set[str] = set()
        self._but_raws: set[str] = set()

    # --- text and token preparation -------------------------------------------------
    def replace_emoji(self, text: str) -> str:
        """Emoji replaced by their descriptions exactly as the reference does, then stripped."""
        if text.isascii() or self._emoji_chars.isdisjoint(text):
            return text.strip()
        parts: list[str] = []
        prev_space = True
        for ch in text:
            description = self.emojis.get(ch) if ch in self._emoji_chars else None
            if description is not None:
                if not prev_space:
                    parts.append(" ")
                parts.append(description)
                prev_space = False
            else:
                parts.append(ch)
                prev_space = ch == " "
        return "".join(parts).strip()

    def token(self, raw: str) -> Token:
        """Cached analysis of one raw whitespace-separated token."""
        tok = self._tokens.get(raw)
        if tok is None:
            self.add_tokens({raw})
            tok = self._tokens[raw]
        return tok

    def add_tokens(self, raws: set[str]) -> None:
        """Analyse every not yet cached raw token of a batch at once (C-level loops).

        The cache is emptied first when it would outgrow ``MAX_CACHED_TOKENS``; the tokens
        of the current batch are always kept, so a batch can rely on them being cached.
        """
        new = list(raws.difference(self._tokens))
        if not new:
            return
        if len(self._tokens) + len(new) > MAX_CACHED_TOKENS:
            self.clear_cache()
        punct = string.punctuation
        stripped = [raw.strip(punct) for raw in new]
        words = [raw if len(s) <= 2 else s for raw, s in zip(new, stripped, strict=True)]
        lowers = [w.lower() for w in words]
        uppers = [w.isupper() for w in words]
        valences = list(map(self.lexicon.get, lowers))
        boosters = list(map(BOOSTER_DICT.get, lowers))
        negates = [lw in NEGATE or "n't" in lw for lw in lowers]
        scored = [v is not None and b is None for v, b in zip(valences, boosters, strict=True)]
        modifies = [
            b is not None or ng or lw in _MODIFIER_WORDS for b, ng, lw in zip(boosters, negates, lowers, strict=True)
        ]
        rows = zip(words, lowers, uppers, valences, boosters, negates, scored, modifies, strict=True)
        self._tokens.update(zip(new, (_new_tuple(Token, row) for row in rows), strict=True))
        self._lexical_raws.update(raw for raw, v in zip(new, valences, strict=True) if v is not None)
        self._plain.update(
            (raw, v if s and v is not None else 0)
            for raw, v, s, m, lw in zip(new, valences, scored, modifies, lowers, strict=True)
            if not m and lw not in _IDIOM_ANCHORS
        )
        self._upper_scored.update(raw for raw, u, s in zip(new, uppers, scored, strict=True) if u and s)
        self._but_raws.update(raw for raw, lw in zip(new, lowers, strict=True) if lw == "but")

    def compound_many(self, texts: Sequence[str]) -> list[float]:
        """``compound`` for many texts, with the batch's new tokens analysed in bulk first."""
        cleaned = [t.strip() if t.isascii() else self.replace_emoji(t) for t in texts]
        splits = list(map(str.split, cleaned))
        self.add_tokens(set().union(*splits))
        tokens = self._tokens  # every raw token of the batch is in it now
        lexical_raws = self._lexical_raws
        out: list[float] = []
        plain = self._plain
        upper_scored = self._upper_scored
        for clean, raws in zip(cleaned, splits, strict=True):
            if lexical_raws.isdisjoint(raws):
                out.append(0.0)
                continue
            looked_up: list[float | None] = list(map(plain.get, raws))
            if None not in looked_up and upper_scored.isdisjoint(raws):
                # Nothing modifies any lexicon word: its valence is the lexicon's.
                valences = cast("list[float]", looked_up)
                if not self._but_raws.isdisjoint(raws):
                    valences = _but_check([tokens[raw].lower for raw in raws], valences)
            else:
                valences = self._valences(list(map(tokens.__getitem__, raws)))
            out.append(compound_from_sum(float(sum(valences)), clean))
        return out

    def clear_cache(self) -> None:
        """Forget the per-token cache (for cold-start benchmarks)."""
        for cache in (self._tokens, self._lexical_raws, self._plain, self._upper_scored, self._but_raws):
            cache.clear()

    # --- scoring ----------------------------------------------------------------------
    def parse(self, text: str) -> Parsed:
        """Tokens and per-token valences of ``text`` (the reference's ``sentiments`` list)."""
        clean, tokens, valences = self._analyse(text)
        return Parsed(clean, tuple(tokens), valences)

    def compound(self, text: str) -> float:
        """The reference's ``polarity_scores(text)["compound"]``."""
        clean, _, valences = self._analyse(text)
        if not valences:
            return 0.0
        return compound_from_sum(float(sum(valences)), clean)

    def _analyse(self, text: str) -> tuple[str, list[Token], list[float]]:
        clean = self.replace_emoji(text)
        raws = clean.split()
        self.add_tokens(set(raws))
        tokens: list[Token] = list(map(self._tokens.__getitem__, raws))
        if self._lexical_raws.isdisjoint(raws):
            return clean, tokens, [0] * len(tokens)
        return clean, tokens, self._valences(tokens)

    def _valences(self, tokens: Sequence[Token]) -> list[float]:
        """Per-token valences: 0 for non-lexicon words, boosters and "kind" in "kind of"."""
        lowers = list(map(_LOWER, tokens))
        n = len(tokens)
        upper_count = sum(map(_IS_UPPER, tokens))
        is_cap_diff = 0 < n - upper_count < n
        sentiments: list[float] = [0] * n
        modifiers = list(map(_MODIFIES, tokens))
        has_anchor = not _IDIOM_ANCHORS.isdisjoint(lowers)
        for i in compress(range(n), map(_SCORED, tokens)):
            tok = tokens[i]
            lo = max(i - 3, 0)
            if (
                not (tok.is_upper and is_cap_diff)
                and not any(modifiers[lo:i])
                and tok.lower != "no"
                and not (has_anchor and not _IDIOM_ANCHORS.isdisjoint(lowers[lo : i + 3]))
            ):
                # No booster, negation, "no", "least", "never so", idiom or caps emphasis in
                # reach: every reference rule leaves the lexicon valence as it is.
                sentiments[i] = tok.valence  # type: ignore[assignment]
            elif not (tok.lower == "kind" and i < n - 1 and lowers[i + 1] == "of"):
                sentiments[i] = self._word_valence(tokens, lowers, i, is_cap_diff)
        if "but" in lowers:
            sentiments = _but_check(lowers, sentiments)
        return sentiments

    def _word_valence(self, tokens: Sequence[Token], lowers: list[str], i: int, is_cap_diff: bool) -> float:
        """The reference's ``sentiment_valence`` for a lexicon word at position ``i``.

        Same rules and float operations in the same order as the reference; the scalar,
        negation, idiom and "least" helpers are inlined where they are no-ops for most words.
        """
        lexicon = self.lexicon
        tok = tokens[i]
        base = tok.valence
        assert base is not None
        valence = base
        if tok.lower == "no" and i != len(tokens) - 1 and lowers[i + 1] in lexicon:
            valence = 0.0
        if (
            (i > 0 and lowers[i - 1] == "no")
            or (i > 1 and lowers[i - 2] == "no")
            or (i > 2 and lowers[i - 3] == "no" and lowers[i - 1] in ("or", "nor"))
        ):
            valence = base * N_SCALAR
        if tok.is_upper and is_cap_diff:
            valence = valence + C_INCR if valence > 0 else valence - C_INCR
        for start_i in range(min(i, 3)):
            prev = tokens[i - (start_i + 1)]
            if prev.lower in lexicon:
                continue
            if prev.booster is not None:
                valence = valence + _scaled_booster(prev, valence, is_cap_diff, start_i)
            valence = _negation_check(valence, tokens, lowers, start_i, i)
            if start_i == 2 and not _IDIOM_ANCHORS.isdisjoint(lowers[i - 3 : i + 3]):
                valence = _special_idioms_check(valence, lowers, i)
        if i > 0 and lowers[i - 1] == "least":
            valence = _least_check(valence, lowers, i, lexicon)
        return valence


def _scaled_booster(tok: Token, valence: float, is_cap_diff: bool, start_i: int) -> float:
    """The reference's ``scalar_inc_dec`` for a booster word ``start_i + 1`` places back."""
    assert tok.booster is not None
    scalar = tok.booster
    if valence < 0:
        scalar *= -1
    if tok.is_upper and is_cap_diff:
        if valence > 0:
            scalar += C_INCR
        else:
            scalar -= C_INCR
    if start_i == 1 and scalar != 0:
        scalar = scalar * 0.95
    if start_i == 2 and scalar != 0:
        scalar = scalar * 0.9
    return scalar


def _negation_check(valence: float, tokens: Sequence[Token], lowers: list[str], start_i: int, i: int) -> float:
    """The reference's ``_negation_check`` (with per-token precomputed negation flags)."""
    if start_i == 0:
        if tokens[i - 1].negates:
            valence = valence * N_SCALAR
    elif start_i == 1:
        if lowers[i - 2] == "never" and lowers[i - 1] in ("so", "this"):
            valence = valence * 1.25
        elif lowers[i - 2] == "without" and lowers[i - 1] == "doubt":
            pass
        elif tokens[i - 2].negates:
            valence = valence * N_SCALAR
    else:
        if (lowers[i - 3] == "never" and lowers[i - 2] in ("so", "this")) or lowers[i - 1] in ("so", "this"):
            valence = valence * 1.25
        elif lowers[i - 3] == "without" and (lowers[i - 2] == "doubt" or lowers[i - 1] == "doubt"):
            pass
        elif tokens[i - 3].negates:
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


def _score_chunk(texts: list[str]) -> list[float]:
    engine = shared_engine()
    return [score for k in range(0, len(texts), _BATCH) for score in engine.compound_many(texts[k : k + _BATCH])]


def _chunks(items: list[str], n: int) -> list[list[str]]:
    size = math.ceil(len(items) / n)
    return [items[k : k + size] for k in range(0, len(items), size)]


class FastVaderScorer:
    """Plain VADER compound scores, identical to the reference, several times faster.

    Follows :class:`postmortem.analysis.sentiment.SentimentScorer`. Results are cached per
    distinct text on the instance; batches with more than ``parallel_threshold`` distinct
    new texts are split over ``workers`` processes (default: the CPU count, at most 2 are
    useful on the target machine but more are allowed).
    """

    method = "vader"

    def __init__(self, workers: int | None = None, parallel_threshold: int = PARALLEL_THRESHOLD) -> None:
        self.workers = workers if workers is not None else (os.cpu_count() or 1)
        self.parallel_threshold = parallel_threshold
        self._cache: dict[str, float] = {}

    def score(self, texts: Sequence[str]) -> list[float]:
        """Compound score per text (non-string items are scored by the reference itself)."""
        cache = self._cache
        todo = [t for t in dict.fromkeys(texts) if t not in cache]
        if todo:
            cache.update(zip(todo, self._score_unique(todo), strict=True))
        return [cache[t] for t in texts]

    def _score_unique(self, texts: list[str]) -> list[float]:
        strings = [t for t in texts if isinstance(t, str)]
        if len(strings) != len(texts):
            ref = _reference()
            return [float(ref.polarity_scores(t)["compound"]) for t in texts]
        if self.workers > 1 and len(texts) > self.parallel_threshold:
            with ProcessPoolExecutor(max_workers=self.workers) as pool:
                parts = pool.map(_score_chunk, _chunks(texts, self.workers * 4))
                return [score for part in parts for score in part]
        return _score_chunk(texts)
