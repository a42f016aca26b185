"""Speed and scale of sentiment scoring: the fast paths give exactly the reference scores.

``FastVaderScorer`` must equal ``vaderSentiment`` and ``CustomerServiceScorer.score`` must
equal the unoptimised ``explain()`` path, with ``==`` on floats, on real and varied texts.
The speed itself is measured by ``benchmarks/run.py`` (cold processes), never asserted
here; these tests check that the work the speed comes from is structurally skipped:
each distinct text is scored once, each distinct token analysed once, and a text runs
only the few patterns its words allow (the gates are checked against the patterns).
"""

from __future__ import annotations

import csv
import gc
import random
import re
import string
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from postmortem.analysis import cs_sentiment as cs
from postmortem.analysis import fast_vader as fv
from postmortem.analysis.cs_sentiment import CustomerServiceLayer, CustomerServiceScorer
from postmortem.analysis.fast_vader import FastVader, FastVaderScorer
from tests.conftest import benchmark_generator

#: Phrases of every pattern branch (and near misses), mixed into the varied texts.
PHRASES = [
    "still waiting for my refund",
    "been on the phone for 2 hours now",
    "waited for over 3 hours already",
    "wait time is 45 mins",
    "for 5 hours and counting",
    "on hold for an hour",
    "hold music again",
    "over two days",
    "more than 20min",
    "delayed and cancelled, cancellation, cancelling my order",
    "cancelllled",
    "missed my connection, stranded and stuck, rebooked",
    "I paid extra, paying more, money back please",
    "overcharged, compensation, reimbursement, refunds, fees",
    "my bag is lost, missing, damaged, broken, stolen",
    "never arrived",
    "hasn't arrived",
    "still not been delivered",
    "didn't come",
    "can't log in",
    "cannot login",
    "doesn't work",
    "won't let me check in",
    "unable to connect",
    "app is down",
    "website was crashing",
    "site not working",
    "error",
    "bugs",
    "crashed",
    "no response",
    "no one",
    "no call back",
    "no callback",
    "haven't heard back",
    "never received anything",
    "nobody",
    "hung up on me",
    "ignored",
    "not answering",
    "unanswered",
    "same issue",
    "fix this please",
    "please fix",
    "unusable",
    "persistent",
    "not an answer",
    "no options",
    "insufficient",
    "anymore",
    "#sarcasm",
    "sarcasm",
    "again",
    "third time",
    "2nd time",
    "7 time",
    "never again",
    "never flying",
    "switching to another airline",
    "going to a different",
    "complaint",
    "escalate",
    "escalation",
    "lawyer",
    "bbb",
    "unacceptable",
    "filed a claim",
    "file a",
    "you can do better",
    "expected much better",
    "could have been better",
    "thanks for nothing",
    "thank you for nothing",
    "thanks a lot, not",
    "worst",
    "fail",
    "failure",
    "pathetic",
    "joke",
    "seriously",
    "ridiculous",
    "nope",
    "apparently not",
    "c'mon",
    "cmon",
    "what the hell",
    "what the heck",
    "get it together",
    "getittogether",
    "smh",
    "57 minutes",
    "3hrs",
    "15 min",
    "admin",
    "so slow",
    "sloooow",
    "slowly",
    "slower",
    "barely works",
    "barely loading",
    "tanked",
    "a waste of time",
    "thanks for the third gate change",
    "thank you for the extra",
    "love how",
    "great job, but still",
    "nice job no",
    "face with rolling eyes",
    "(not)",
    "why?",
    "how come!",
    "what's going on?",
    "how long does it take?",
    "are you kidding!",
    "is this a joke?",
    "where is my bag?",
    "when will it ship?",
    "how much longer?",
    "#worstservice",
    "#NotHappy",
    "#fail",
    "#helpme",
    "sorry to hear that",
    "sorry for the inconvenience",
    "apologies for the delay",
    "apologize for any trouble",
    "please",
    "pls",
    "plz",
    "help",
    "I would like to",
    "looks like",
    "I like it",
    "like",
    "want",
    "wish",
    "free",
    "credit",
    "safety",
    "number",
    "ok",
    "okay",
    "yes",
    "sure",
    "alright",
    "fyi",
    "dear",
    "customer support",
    "tech care",
    "support team",
    "support tickets",
    "lol",
    "lolll",
    "lmao",
    "lmfao",
    "hahaha",
    "hehehe",
    "rofl",
    "tears of joy",
    ";)",
    ";-)",
    ";D",
    ";p",
    "no problem",
    "No worries",
    "not a problem",
    "not any issues",
    "any update on my refund?",
    "is my order delayed?",
    "is there a fee?",
    "can you help?",
    "could you dm me",
    "follow me back",
    "thanks in advance",
    "http://t.co/abc",
    "https://example.com/refund",
    "thank you so much",
    "appreciate it",
    "cheers",
    "great",
    "GREAT",
    "not good",
    "very bad",
    "but",
    "kind of",
    "\U0001f602",
    "\U0001f644",
    "\U0001f621",
    "\u2764\ufe0f",
    "can\u2019t",
    "&amp;",
    "&lt;3",
    "\u017f",
    "\u0130ssue",
    "help_desk",
    "_still_",
    "re-fund",
    "refund/charge",
    "@AcmeAir",
    "LOST",
]

FILLERS = ["the", "my", "flight", "bag", "and", "to", "I", "you", "it", "is", "a", "for", "now", "of", "at"]


def _varied_texts(n: int, seed: int) -> list[str]:
    """Random texts of pattern phrases, fillers and punctuation (many patterns together)."""
    rng = random.Random(seed)
    texts = []
    for _ in range(n):
        parts = []
        for _ in range(rng.randint(1, 7)):
            part = rng.choice(PHRASES) if rng.random() < 0.6 else rng.choice(FILLERS)
            part = part.upper() if rng.random() < 0.1 else part.capitalize() if rng.random() < 0.2 else part
            parts.append(part + rng.choice(["", "", "", ".", "!", "?", ",", "!!", "??", "...", " ;)"]))
        texts.append(" ".join(parts))
    return texts


def _synthetic_texts(n: int) -> list[str]:
    """Texts of the benchmarks' synthetic incident generator (complaints, replies, chatter)."""
    generate = benchmark_generator().generate
    return [str(row["text"]) for row in generate(n, seed=11)]


def _real_texts(shared_data: Path) -> list[str]:
    with open(shared_data / "twcs" / "twcs_dev.csv", encoding="utf-8", newline="") as handle:
        return [row["text"] for row in csv.DictReader(handle)]


@pytest.fixture(scope="module")
def reference() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()


@pytest.fixture(scope="module")
def sample() -> list[str]:
    return _varied_texts(3000, seed=5) + _synthetic_texts(3000)


# --- identical scores ----------------------------------------------------------------------


def _mismatches(texts: list[str], expected: list[float], got: list[float]) -> list[tuple[str, float, float]]:
    return [(t, e, g) for t, e, g in zip(texts, expected, got, strict=True) if e != g]


def test_plain_fast_path_equals_reference(sample: list[str], reference: SentimentIntensityAnalyzer) -> None:
    expected = [reference.polarity_scores(t)["compound"] for t in sample]
    assert not _mismatches(sample, expected, FastVaderScorer(workers=1).score(sample))
    engine = FastVader()  # one text at a time, and the batch path
    assert [engine.compound(t) for t in sample[:500]] == expected[:500]
    assert engine.compound_many(sample) == expected


def test_plain_fast_path_equals_reference_on_real_texts(
    shared_data: Path, reference: SentimentIntensityAnalyzer
) -> None:
    texts = _real_texts(shared_data)
    expected = [reference.polarity_scores(t)["compound"] for t in texts]
    assert not _mismatches(texts, expected, FastVaderScorer(workers=1).score(texts))


def test_cs_fast_path_equals_explain(sample: list[str]) -> None:
    scorer = CustomerServiceScorer(workers=1)
    expected = [scorer.layer.explain(t).compound for t in sample]
    assert not _mismatches(sample, expected, scorer.score(sample))
    assert [scorer.layer.compound(t) for t in sample[:300]] == expected[:300]


def test_cs_fast_path_equals_explain_on_real_texts(shared_data: Path) -> None:
    texts = _real_texts(shared_data)
    for path, column in [("airline_sentiment/tweets_dev.csv", "text")]:
        with open(shared_data / path, encoding="utf-8", newline="") as handle:
            texts += [row[column] for row in csv.DictReader(handle)]
    layer = CustomerServiceLayer()
    expected = [layer.explain(t).compound for t in texts]
    assert not _mismatches(texts, expected, CustomerServiceScorer(workers=1).score(texts))


def test_process_pool_paths_are_identical(sample: list[str]) -> None:
    texts = sample[:400]
    plain = FastVaderScorer(workers=2, parallel_threshold=50).score(texts)
    assert plain == FastVaderScorer(workers=1).score(texts)
    pooled = CustomerServiceScorer(workers=2, parallel_threshold=50).score(texts)
    assert pooled == CustomerServiceScorer(workers=1).score(texts)


def test_lexicon_and_emoji_tables_are_the_references(reference: SentimentIntensityAnalyzer) -> None:
    assert fv.load_lexicon() == reference.lexicon
    assert fv.load_emojis() == reference.emojis
    singles = {k: v for k, v in reference.emojis.items() if len(k) == 1}
    assert fv.load_emoji_characters() == singles


def test_emoji_replacement_matches_the_reference_loop(reference: SentimentIntensityAnalyzer) -> None:
    def reference_replace(text: str) -> str:
        out, prev_space = "", True
        for ch in text:
            if ch in reference.emojis:
                out += ("" if prev_space else " ") + reference.emojis[ch]
                prev_space = False
            else:
                out += ch
                prev_space = ch == " "
        return out.strip()

    rng = random.Random(3)
    alphabet = ["a", "b", " ", "  ", "\x00", "!", "\u00e9", "\U0001f602", "\U0001f644", "\u2764", "\ufe0f", "\u263a"]
    engine = FastVader()
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        assert engine.replace_emoji(text) == reference_replace(text), repr(text)


# --- the gates of the customer-service patterns --------------------------------------------


def _class_char(items: list[tuple[object, object]], rng: random.Random) -> str:
    categories = {
        "CATEGORY_DIGIT": "0179",
        "CATEGORY_NOT_DIGIT": "a ?",
        "CATEGORY_SPACE": " ",
        "CATEGORY_NOT_SPACE": "ab?!'#",
        "CATEGORY_WORD": "ab_9",
        "CATEGORY_NOT_WORD": " ?!.'#",
    }
    choices: list[str] = []
    negate = False
    for op, av in items:
        if str(op) == "NEGATE":
            negate = True
        elif str(op) == "LITERAL":
            choices.append(chr(av))  # type: ignore[arg-type]
        elif str(op) == "RANGE":
            low, high = av  # type: ignore[misc]
            choices += [chr(c) for c in range(low, min(high, low + 5) + 1)]
        elif str(op) == "CATEGORY":
            choices += categories[str(av)]
    if negate:
        return rng.choice([c for c in "ab ?!.,x1'" if c not in choices])
    return rng.choice(choices)


def _emit(parsed: object, rng: random.Random) -> Iterator[str]:
    """Characters of a random string following a parsed regular expression (lookarounds and
    anchors are ignored: the caller keeps only the strings the pattern really matches)."""
    for op, av in parsed:  # type: ignore[attr-defined]
        name = str(op)
        if name == "LITERAL":
            yield chr(av)
        elif name == "NOT_LITERAL":
            yield rng.choice([c for c in "ab ,.!?" if ord(c) != av])
        elif name == "ANY":
            yield rng.choice("ab ,")
        elif name == "IN":
            yield _class_char(av, rng)
        elif name == "BRANCH":
            yield from _emit(rng.choice(av[1]), rng)
        elif name == "SUBPATTERN":
            yield from _emit(av[-1], rng)
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, high, item = av
            for _ in range(rng.randint(low, min(high, low + 3))):
                yield from _emit(item, rng)
        elif name not in ("AT", "ASSERT", "ASSERT_NOT"):
            raise AssertionError(f"unexpected regex node {name}")


def _pattern_samples(pattern: re.Pattern[str], n: int, seed: int) -> list[str]:
    """Texts holding random strings of ``pattern`` between random words and punctuation."""
    parser = pytest.importorskip("re._parser")
    parsed = parser.parse(pattern.pattern, pattern.flags)
    rng = random.Random(seed)
    texts = []
    for _ in range(n):
        core = "".join(_emit(parsed, rng))
        before = " ".join(rng.choice(FILLERS + PHRASES[:40]) for _ in range(rng.randint(0, 3)))
        after = " ".join(rng.choice(FILLERS + PHRASES[40:80]) for _ in range(rng.randint(0, 3)))
        glue = rng.choice([" ", " ", "(", "#", "_", "'", "..."])
        texts.append(f"{before}{glue}{core}{rng.choice(['', '!', '?', ' ', '_'])} {after}")
    return texts


def _gate_problems(layer: CustomerServiceLayer, text: str) -> list[str]:
    """Where the fast path's plan for ``text`` disagrees with running every pattern."""
    engine = layer.engine
    clean = engine.replace_emoji(text)
    raws = clean.split()
    engine.add_tokens(set(raws))
    lowers = engine.lowers(raws)
    joined, starts = cs._token_spans(lowers)
    raw_lower = clean.lower()
    token_bits = [cs.token_bits(lower) for lower in lowers]
    bits = 0
    for b in token_bits:
        bits |= b
    plan = cs._plan_for(bits)
    problems = []
    planned = {pattern for pattern, _ in plan.neutralise}
    for name, pattern in cs.NEUTRALISE:
        zeroed = {i for m in pattern.finditer(joined) for i in cs._tokens_in(starts, lowers, *m.span())}
        if name in cs.TOKEN_NEUTRALISE:
            group = cs._BIT[name]
            by_word = {i for i, b in enumerate(token_bits) if b & group}
            if pattern in planned:  # the regex runs as well (e.g. "dear"): its tokens count
                by_word |= zeroed
            if by_word != zeroed:
                problems.append(f"neutralise {name}: {sorted(by_word)} != {sorted(zeroed)}")
        elif zeroed and pattern not in planned:
            problems.append(f"neutralise {name} matches but is not run")
    if cs.LAUGHTER.search(joined) and not plan.laughter:
        problems.append("laughter matches but is not run")
    reference = {name for name, _, pattern in cs.CUES if pattern.search(joined)}
    fast = {cue[0] for cue, sure in plan.cues if sure or cue[2].search(joined)}
    if reference != fast:
        problems.append(f"cues {sorted(reference)} != fast {sorted(fast)}")
    for cue, sure in plan.cues:
        if sure and not cue[2].search(joined):
            problems.append(f"cue {cue[0]} marked sure but does not match")
    if cs.SARCASM.search(raw_lower) and not (plan.sarcasm or "(not)" in raw_lower):
        problems.append("sarcasm matches but is not run")
    if cs.RHETORICAL.search(raw_lower) and not bits & cs._RHETORICAL_BITS:
        problems.append("rhetorical question matches but is not run")
    if cs.REQUEST.search(joined) and not bits & cs._REQUEST_BITS:
        problems.append("request matches but is not tried")
    return problems


def test_gates_agree_with_the_patterns_on_varied_texts(sample: list[str]) -> None:
    layer = CustomerServiceLayer()
    problems = {t: p for t in sample if (p := _gate_problems(layer, t))}
    assert not problems, list(problems.items())[:5]


@pytest.mark.parametrize(
    "name, pattern",
    [(f"neutralise {n}", p) for n, p in cs.NEUTRALISE]
    + [(f"cue {n}", p) for n, _, p in cs.CUES]
    + [("laughter", cs.LAUGHTER), ("sarcasm", cs.SARCASM), ("rhetorical", cs.RHETORICAL), ("request", cs.REQUEST)],
)
def test_gates_agree_with_random_matches_of_each_pattern(name: str, pattern: re.Pattern[str]) -> None:
    layer = CustomerServiceLayer()
    texts = _pattern_samples(pattern, 400, seed=len(name))
    matching = [t for t in texts if pattern.search(t.lower())]
    assert len(matching) > 50, name  # the generator does produce matches
    problems = {t: p for t in texts if (p := _gate_problems(layer, t))}
    assert not problems, list(problems.items())[:5]
    expected = [layer.explain(t).compound for t in texts]
    assert CustomerServiceScorer(workers=1).score(texts) == expected


def test_case_folds_to_ascii_lists_every_such_character() -> None:
    everything = "".join(map(chr, range(0x110000)))
    folded = set(re.findall("[a-z]", everything, re.IGNORECASE)) - set(string.ascii_letters)
    assert folded == set(cs.CASE_FOLDS_TO_ASCII)
    for letter in "iks":  # literals fold like classes
        assert set(re.findall(letter, everything, re.IGNORECASE)) <= {letter, letter.upper(), *folded}


# --- structural speed: work that is skipped ------------------------------------------------


def test_each_distinct_text_is_scored_once(sample: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    texts = sample[:500] * 3 + sample[:100]
    scorer = CustomerServiceScorer(workers=1)
    calls: list[int] = []
    original = scorer.layer.compound_many

    def counting(batch: list[str]) -> list[float]:
        calls.append(len(batch))
        return original(batch)

    monkeypatch.setattr(scorer.layer, "compound_many", counting)
    first = scorer.score(texts)
    assert sum(calls) == len(set(texts))
    assert scorer.score(list(reversed(texts))) == list(reversed(first))
    assert sum(calls) == len(set(texts))  # the second batch was all cache hits

    plain = FastVaderScorer(workers=1)
    chunks: list[int] = []
    chunk = fv._score_chunk
    monkeypatch.setattr(fv, "_score_chunk", lambda batch: chunks.append(len(batch)) or chunk(batch))
    plain.score(texts)
    plain.score(texts[:50])
    assert chunks == [len(set(texts))]


def test_each_distinct_token_is_analysed_once(sample: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    layer = CustomerServiceLayer(FastVader())
    engine = layer.engine
    batches: list[set[str]] = []
    prepare = engine.prepare
    monkeypatch.setattr(engine, "prepare", lambda texts: batches.append((p := prepare(texts)).raws) or p)
    analysed: list[int] = []
    tokens_bits = cs._tokens_bits
    monkeypatch.setattr(cs, "_tokens_bits", lambda lowers: analysed.append(len(lowers)) or tokens_bits(lowers))
    layer.compound_many(sample[:1000])
    raws = batches[0]
    assert set(engine._lower) == raws  # VADER's analysis: one entry per distinct raw token
    assert analysed == [len(set(engine.lowers(list(raws))))]  # anchor groups once per distinct lower case
    rows = len(engine._rows)
    assert rows < len(raws) / 2  # full VADER look-ups only for the words a rule reads
    layer.compound_many(sample[:1000])  # the same tokens again: nothing new to analyse
    assert analysed[1:] == [] and len(engine._rows) == rows and len(engine._lower) == len(raws)


def test_most_texts_run_few_patterns(sample: list[str]) -> None:
    layer = CustomerServiceLayer()
    patterns = len(cs.NEUTRALISE) + len(cs.CUES) + 2  # + laughter, sarcasm (explain runs all)
    run = []
    for text in sample:
        clean = layer.engine.replace_emoji(text)
        raws = clean.split()
        layer.engine.add_tokens(set(raws))
        bits = 0
        for lower in layer.engine.lowers(raws):
            bits |= cs.token_bits(lower)
        plan = cs._plan_for(bits)
        run.append(len(plan.neutralise) + plan.laughter + plan.sarcasm + sum(not sure for _, sure in plan.cues))
    assert sum(run) / len(run) < 0.1 * patterns
    assert run.count(0) > len(run) / 4


def test_garbage_collector_is_paused_only_while_scoring(sample: list[str]) -> None:
    seen: list[bool] = []
    engine = FastVader()
    sentiments = engine.sentiments
    engine.sentiments = lambda raws: seen.append(gc.isenabled()) or sentiments(raws)  # type: ignore[method-assign]
    engine.compound_many(sample[:20])
    assert seen and not any(seen) and gc.isenabled()
    gc.disable()
    try:
        CustomerServiceLayer(engine).compound_many(sample[:20])
        assert not gc.isenabled()  # a caller's own choice is kept
    finally:
        gc.enable()


def test_large_batches_use_processes_but_never_nested(monkeypatch: pytest.MonkeyPatch) -> None:
    assert fv.use_processes(2, 30_000, fv.PARALLEL_THRESHOLD)
    assert not fv.use_processes(2, 10_000, fv.PARALLEL_THRESHOLD)
    assert not fv.use_processes(1, 30_000, fv.PARALLEL_THRESHOLD)
    import multiprocessing

    monkeypatch.setattr(multiprocessing, "parent_process", lambda: object())  # inside a worker
    assert not fv.use_processes(2, 30_000, fv.PARALLEL_THRESHOLD)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the fork split is used on Linux only")
def test_fork_split_is_identical_and_used_for_medium_batches(sample: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Medium batches (SPLIT_THRESHOLD to PARALLEL_THRESHOLD distinct texts) score half in a
    forked child: the same floats as one process, for both scorers."""
    texts = list(dict.fromkeys(sample))[:3000]
    assert len(texts) >= fv.SPLIT_THRESHOLD
    calls: list[int] = []
    real = fv.score_split_fork

    def spy(score_chunk, batch):  # type: ignore[no-untyped-def]
        calls.append(len(batch))
        return real(score_chunk, batch)

    monkeypatch.setattr(fv, "score_split_fork", spy)
    monkeypatch.setattr(cs, "score_split_fork", spy)
    monkeypatch.setattr(fv.os, "sched_getaffinity", lambda pid: {0, 1})
    assert FastVaderScorer(workers=2).score(texts) == FastVaderScorer(workers=1).score(texts)
    assert CustomerServiceScorer(workers=2).score(texts) == CustomerServiceScorer(workers=1).score(texts)
    assert calls == [len(texts), len(texts)]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the fork split is used on Linux only")
def test_fork_split_falls_back_when_the_child_fails(sample: list[str]) -> None:
    import os

    parent = os.getpid()
    texts = list(dict.fromkeys(sample))[:200]

    def chunk(batch: list[str]) -> list[float]:
        if os.getpid() != parent:
            raise RuntimeError("the child fails")
        return FastVaderScorer(workers=1).score(batch)

    assert fv.score_split_fork(chunk, texts) == FastVaderScorer(workers=1).score(texts)


def test_no_fork_split_while_another_thread_runs() -> None:
    import threading

    stop = threading.Event()
    worker = threading.Thread(target=stop.wait)
    worker.start()
    try:
        assert not fv.use_fork_split(2, 5_000)
    finally:
        stop.set()
        worker.join()
    assert not fv.use_fork_split(1, 5_000) and not fv.use_fork_split(2, 10)


@pytest.mark.parametrize("make", [FastVaderScorer, CustomerServiceScorer])
def test_scoring_in_the_background_is_identical(make: type, sample: list[str]) -> None:
    """analyse() starts a big batch on the worker processes and builds its frame meanwhile:
    the scores are the ones score() gives, a small batch is simply scored on demand, and a
    cancelled batch leaves no worker behind."""
    from postmortem.analysis.sentiment import start_scoring

    texts = sample[:800] + sample[:100]
    expected = make(workers=1).score(texts)
    pending = start_scoring(make(workers=2, parallel_threshold=50), texts)
    assert pending() == expected
    assert start_scoring(make(workers=2), texts)() == expected  # below the threshold: on demand
    cancelled = start_scoring(make(workers=2, parallel_threshold=50), texts)
    cancelled.cancel()
    import multiprocessing

    assert not multiprocessing.active_children()


def test_start_scoring_accepts_any_scorer() -> None:
    from postmortem.analysis.sentiment import start_scoring

    class Constant:
        method = "constant"

        def score(self, texts: list[str]) -> list[float]:
            return [0.5] * len(texts)

    assert start_scoring(Constant(), ["a", "b"])() == [0.5, 0.5]


def _nice_of(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as stat:
        return int(stat.read().rsplit(")", 1)[1].split()[16])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("make", [FastVaderScorer, CustomerServiceScorer])
def test_prefetch_scores_blocks_meanwhile_identically(
    make: type, sample: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A loader hands blocks of texts to prefetch(): low-priority workers score them while it
    reads on; score_in_background then collects them (and sends what is still new)."""
    import multiprocessing

    monkeypatch.setattr(fv, "PREFETCH_CHUNK", 200)
    texts = sample[:1500] + sample[:300]
    expected = make(workers=1).score(texts)
    scorer = make(workers=2)
    scorer.prefetch(texts[:150])  # fewer than a chunk: gathered only
    assert not multiprocessing.active_children()
    scorer.prefetch(texts[100:1000])
    workers = multiprocessing.active_children()
    assert workers
    for _ in range(500):  # each worker lowers its priority as it starts
        if all(_nice_of(w.pid) == 19 for w in workers if w.pid is not None):
            break
        time.sleep(0.01)
    assert all(_nice_of(w.pid) == 19 for w in workers if w.pid is not None)
    assert scorer.score_in_background(texts)() == expected  # texts[1000:] were sent then
    assert not multiprocessing.active_children()
    assert scorer.score(texts) == expected  # all cached now


@pytest.mark.parametrize("make", [FastVaderScorer, CustomerServiceScorer])
def test_prefetch_is_settled_dropped_or_skipped(make: type, sample: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import multiprocessing

    monkeypatch.setattr(fv, "PREFETCH_CHUNK", 200)
    texts = list(dict.fromkeys(sample))[:600]
    expected = make(workers=1).score(texts)
    settled = make(workers=2)
    settled.prefetch(texts)
    settled.settle()  # (before a fork): the scores are kept, no worker is left
    assert not multiprocessing.active_children() and settled._cache == dict(zip(texts, expected, strict=True))
    dropped = make(workers=2)
    dropped.prefetch(texts)
    dropped.drop_prefetch()
    assert not multiprocessing.active_children()
    assert dropped.score_in_background(texts)() == expected
    small = make(workers=2)
    small.prefetch(texts[:100])  # never a chunk: no pool; scored as usual
    assert not multiprocessing.active_children()
    assert small.score_in_background(texts[:100])() == expected[:100]
    alone = make(workers=1)
    alone.prefetch(texts)  # one worker: nothing to overlap with
    assert alone._prefetch is None and not multiprocessing.active_children()
