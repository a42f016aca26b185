"""Measure the sentiment scorers against human labels, and their speed.

Usage::

    python scripts/evaluate_sentiment.py [--data ../shared/data] [--speed] [--repeats 7]

Accuracy (both modes, ``vader`` and ``vader+cs``):

* ``airline_sentiment/tweets_dev.csv``: real complaint tweets with gold negative / neutral /
  positive labels; 3 classes from the compound at +-0.05. Reported on the whole file, on the
  even rows (the half the customer-service lexicon was tuned on) and on the odd rows
  (held out). n, accuracy, macro-F1, per-class precision / recall, confusion matrix.
* ``vader_groundtruth/tweets_GroundTruth.txt``: the VADER paper's tweets with the mean of 20
  human ratings; Pearson r between compound and that mean.

Speed (``--speed``): texts per second of the reference ``vaderSentiment`` and of
``FastVaderScorer`` on the ``twcs/twcs_dev.csv`` texts (each run cold: fresh scorer, empty
caches; lexicon loading timed separately), plus an exact-equality check.

Metrics use plain numpy / pandas. Exits with status 2 and a message when data is absent.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from postmortem.analysis.cs_sentiment import CustomerServiceScorer  # noqa: E402
from postmortem.analysis.fast_vader import FastVaderScorer, shared_engine  # noqa: E402

CLASSES = ("negative", "neutral", "positive")
AIRLINE = Path("airline_sentiment") / "tweets_dev.csv"
GROUND_TRUTH = Path("vader_groundtruth") / "tweets_GroundTruth.txt"
TWCS = Path("twcs") / "twcs_dev.csv"
DEFAULT_DATA = ROOT.parent / "shared" / "data"


@dataclass(frozen=True)
class ClassReport:
    """3-class metrics of one scorer on one labelled set."""

    n: int
    accuracy: float
    macro_f1: float
    precision: dict[str, float]
    recall: dict[str, float]
    f1: dict[str, float]
    confusion: pd.DataFrame


def classify(scores: Sequence[float]) -> np.ndarray:
    """negative / neutral / positive at the usual +-0.05 thresholds."""
    values = np.asarray(scores, dtype="float64")
    return np.where(values >= 0.05, "positive", np.where(values <= -0.05, "negative", "neutral"))


def class_report(gold: Sequence[str], predicted: Sequence[str]) -> ClassReport:
    """Accuracy, macro-F1, per-class precision / recall / F1 and the confusion matrix."""
    gold_arr = np.asarray(gold)
    pred_arr = np.asarray(predicted)
    confusion = pd.crosstab(
        pd.Categorical(gold_arr, categories=CLASSES), pd.Categorical(pred_arr, categories=CLASSES), dropna=False
    )
    confusion.index.name, confusion.columns.name = "gold", "predicted"
    precision, recall, f1 = {}, {}, {}
    for cls in CLASSES:
        tp = float(confusion.loc[cls, cls])
        predicted_n = float(confusion[cls].sum())
        gold_n = float(confusion.loc[cls].sum())
        precision[cls] = tp / predicted_n if predicted_n else 0.0
        recall[cls] = tp / gold_n if gold_n else 0.0
        denom = precision[cls] + recall[cls]
        f1[cls] = 2 * precision[cls] * recall[cls] / denom if denom else 0.0
    return ClassReport(
        n=len(gold_arr),
        accuracy=float((gold_arr == pred_arr).mean()) if len(gold_arr) else 0.0,
        macro_f1=float(np.mean(list(f1.values()))),
        precision=precision,
        recall=recall,
        f1=f1,
        confusion=confusion,
    )


def pearson(x: Sequence[float], y: Sequence[float]) -> float:
    """Pearson correlation coefficient."""
    return float(np.corrcoef(np.asarray(x, dtype="float64"), np.asarray(y, dtype="float64"))[0, 1])


def load_airline(data: Path) -> pd.DataFrame:
    """Gold label and text of the airline complaint tweets."""
    frame = pd.read_csv(data / AIRLINE, dtype=str, keep_default_na=False)
    return frame[["airline_sentiment", "text"]].rename(columns={"airline_sentiment": "gold"})


def load_ground_truth(data: Path) -> pd.DataFrame:
    """Mean human rating and text of the VADER paper's tweets (tab-separated, no header)."""
    rows = []
    with open(data / GROUND_TRUTH, encoding="utf-8") as handle:
        for line in handle:
            parts = line.rstrip("\n").split("\t", 2)
            if len(parts) == 3:
                rows.append((float(parts[1]), parts[2]))
    return pd.DataFrame(rows, columns=["mean", "text"])


def scorers() -> dict[str, Callable[[Sequence[str]], list[float]]]:
    """The two modes, by method string."""
    return {
        FastVaderScorer.method: FastVaderScorer().score,
        CustomerServiceScorer.method: CustomerServiceScorer().score,
    }


def evaluate(data: Path) -> dict[str, dict[str, object]]:
    """Every accuracy number of both modes (used by the script and by the tests)."""
    airline = load_airline(data)
    truth = load_ground_truth(data)
    results: dict[str, dict[str, object]] = {}
    for method, score in scorers().items():
        predicted = classify(score(airline["text"].tolist()))
        gold = airline["gold"].to_numpy()
        results[method] = {
            "all": class_report(gold, predicted),
            "tune (even rows)": class_report(gold[::2], predicted[::2]),
            "held out (odd rows)": class_report(gold[1::2], predicted[1::2]),
            "r": pearson(score(truth["text"].tolist()), truth["mean"]),
        }
    return results


def accuracy_summary(results: dict[str, dict[str, object]]) -> dict[str, object]:
    """The figures the report's method appendix shows, per mode (rounded to 3 places)."""
    summary: dict[str, object] = {
        "airline_file": str(AIRLINE),
        "ground_truth_file": str(GROUND_TRUTH),
        "modes": {},
    }
    modes: dict[str, object] = {}
    for method, parts in results.items():
        whole = parts["all"]
        held = parts["held out (odd rows)"]
        assert isinstance(whole, ClassReport) and isinstance(held, ClassReport)
        modes[method] = {
            "n": whole.n,
            "accuracy": round(whole.accuracy, 3),
            "macro_f1": round(whole.macro_f1, 3),
            "held_out_macro_f1": round(held.macro_f1, 3),
            "recall": {k: round(v, 3) for k, v in whole.recall.items()},
            "pearson_r_ground_truth": round(float(parts["r"]), 4),  # type: ignore[arg-type]
        }
    summary["modes"] = modes
    return summary


def print_report(name: str, report: ClassReport) -> None:
    """One labelled set's metrics, human-readable."""
    print(f"  {name}: n={report.n} accuracy={report.accuracy:.3f} macro-F1={report.macro_f1:.3f}")
    for cls in CLASSES:
        print(f"    {cls:<9} precision={report.precision[cls]:.3f} recall={report.recall[cls]:.3f}")
    if name == "all":
        print("    confusion (rows gold, columns predicted):")
        for line in report.confusion.to_string().splitlines():
            print("      " + line)


def print_accuracy(data: Path) -> None:
    """Accuracy section of the script's output."""
    results = evaluate(data)
    for method, parts in results.items():
        print(f"== {method}")
        for name, report in parts.items():
            if isinstance(report, ClassReport):
                print_report(name, report)
        print(f"  VADER tweets ground truth: Pearson r = {parts['r']:.4f}")
    r_plain = results[FastVaderScorer.method]["r"]
    r_cs = results[CustomerServiceScorer.method]["r"]
    assert isinstance(r_plain, float) and isinstance(r_cs, float)
    print(f"r difference (vader+cs - vader) = {r_cs - r_plain:+.4f}")


def _timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def print_speed(data: Path, repeats: int) -> None:
    """Texts per second, reference vs fast (cold caches each run), and equality."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    texts = pd.read_csv(data / TWCS, dtype=str, keep_default_na=False)["text"].tolist()
    load_ref = _timed(SentimentIntensityAnalyzer)
    reference = SentimentIntensityAnalyzer()
    load_fast = _timed(lambda: shared_engine.cache_clear() or shared_engine())
    engine = shared_engine()
    ref_times, fast_times = [], []
    for _ in range(repeats):  # interleaved, so both see the same machine state
        ref_times.append(_timed(lambda: [reference.polarity_scores(t)["compound"] for t in texts]))
        engine.clear_cache()
        fast_times.append(_timed(lambda: FastVaderScorer().score(texts)))
    expected = [reference.polarity_scores(t)["compound"] for t in texts]
    same = sum(a == b for a, b in zip(expected, FastVaderScorer().score(texts), strict=True))
    ref_s, fast_s = statistics.median(ref_times), statistics.median(fast_times)
    print(f"== speed on {TWCS} ({len(texts)} texts, {len(set(texts))} distinct), median of {repeats} cold runs")
    print(f"  reference vaderSentiment: {len(texts) / ref_s:,.0f} texts/s ({ref_s * 1e3:.1f} ms)")
    print(f"  FastVaderScorer:          {len(texts) / fast_s:,.0f} texts/s ({fast_s * 1e3:.1f} ms)")
    print(f"  speed-up: {ref_s / fast_s:.2f}x (best runs: {min(ref_times) / min(fast_times):.2f}x)")
    print(f"  one-off lexicon load: reference {load_ref * 1e3:.0f} ms, fast {load_fast * 1e3:.0f} ms")
    print(f"  identical compound scores: {same}/{len(texts)}")
    _print_large_batch(texts, reference)


def _print_large_batch(texts: list[str], reference: object) -> None:
    """A 20x larger batch of distinct texts: serial vs the process pool."""
    big = [f"{t} #{k}" for k in range(20) for t in texts]
    ref_s = _timed(lambda: [reference.polarity_scores(t)["compound"] for t in big])  # type: ignore[attr-defined]
    shared_engine().clear_cache()
    serial_s = _timed(lambda: FastVaderScorer(workers=1).score(big))
    shared_engine().clear_cache()
    pool_s = _timed(lambda: FastVaderScorer(workers=2, parallel_threshold=20_000).score(big))
    print(f"== large batch ({len(big)} distinct texts)")
    print(
        f"  reference {len(big) / ref_s:,.0f}/s; fast 1 process {len(big) / serial_s:,.0f}/s "
        f"({ref_s / serial_s:.2f}x); fast 2 processes {len(big) / pool_s:,.0f}/s ({ref_s / pool_s:.2f}x)"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", type=Path, default=DEFAULT_DATA, help="the shared data folder (default: ../shared/data)"
    )
    parser.add_argument("--speed", action="store_true", help="also measure throughput on the twcs texts")
    parser.add_argument("--repeats", type=int, default=7, help="timed runs per scorer for --speed")
    parser.add_argument(
        "--write", type=Path, help="also write the accuracy summary as JSON (postmortem/data/sentiment_accuracy.json)"
    )
    args = parser.parse_args(argv)
    needed = [AIRLINE, GROUND_TRUTH, *([TWCS] if args.speed else [])]
    missing = [str(args.data / p) for p in needed if not (args.data / p).is_file()]
    if missing:
        print("evaluate_sentiment: data not found: " + ", ".join(missing), file=sys.stderr)
        print("  pass --data pointing at the shared data folder (see its SOURCES.md)", file=sys.stderr)
        return 2
    print_accuracy(args.data)
    if args.write:
        args.write.write_text(json.dumps(accuracy_summary(evaluate(args.data)), indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.write}")
    if args.speed:
        print_speed(args.data, args.repeats)
    return 0


if __name__ == "__main__":
    sys.exit(main())
