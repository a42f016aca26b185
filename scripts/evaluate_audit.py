"""Measure the reply-audit detectors on the labelled set: per-flag precision, recall, F1 and SCCT accuracy.

Usage: python scripts/evaluate_audit.py [--split dev|test|all] [--errors FLAG] [--markdown]
"""

from __future__ import annotations

import argparse
import csv
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from postmortem.analysis.sentiment import VaderScorer  # noqa: E402
from postmortem.lessons.audit import FLAG_NAMES, ReplyContext, audit_reply, is_complaint  # noqa: E402

LABELLED = ROOT / "tests" / "data" / "audit" / "labelled_replies.csv"


@dataclass(frozen=True)
class Example:
    """One labelled company reply and the customer post it answers."""

    id: str
    split: str
    context: str
    text: str
    flags: frozenset[str]
    strategy: str


@dataclass(frozen=True)
class Score:
    """Counts and rates for one detector."""

    name: str
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def load_examples(path: Path = LABELLED, split: str = "all") -> list[Example]:
    """The labelled replies (``split`` = dev, test, blind or all)."""
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return [
        Example(
            r["id"],
            r["split"],
            r["context"],
            r["text"],
            frozenset(f for f in r["flags"].split(";") if f),
            r["strategy"],
        )
        for r in rows
        if split == "all" or r["split"] == split
    ]


def predict(examples: list[Example]) -> list[tuple[frozenset[str], str]]:
    """Predicted flags and strategy per example, with the context scored as the pipeline scores it."""
    sentiments = VaderScorer().score([e.context for e in examples])
    out = []
    for example, sentiment in zip(examples, sentiments, strict=True):
        context = ReplyContext(parent_text=example.context, parent_negative=is_complaint(example.context, sentiment))
        audit = audit_reply(example.id, "company", example.text, context)
        out.append((frozenset(f.name for f in audit.flags), audit.strategy))
    return out


def score(examples: list[Example], predictions: list[tuple[frozenset[str], str]]) -> tuple[list[Score], float]:
    """Per-flag scores and the SCCT strategy accuracy."""
    scores = []
    for name in FLAG_NAMES:
        tp = sum(1 for e, (p, _) in zip(examples, predictions, strict=True) if name in e.flags and name in p)
        fp = sum(1 for e, (p, _) in zip(examples, predictions, strict=True) if name not in e.flags and name in p)
        fn = sum(1 for e, (p, _) in zip(examples, predictions, strict=True) if name in e.flags and name not in p)
        scores.append(Score(name, tp, fp, fn))
    right = sum(1 for e, (_, s) in zip(examples, predictions, strict=True) if e.strategy == s)
    return scores, right / len(examples) if examples else 0.0


def main(argv: list[str] | None = None) -> int:
    """Print the table (plain or Markdown) and, on request, the errors of one detector."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--split", default="all", choices=["dev", "test", "blind", "all"])
    parser.add_argument("--errors", help="print false positives/negatives of this flag (or 'strategy')")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args(argv)
    examples = load_examples(split=args.split)
    predictions = predict(examples)
    scores, accuracy = score(examples, predictions)
    if args.markdown:
        print("| detector | labelled | TP | FP | FN | precision | recall | F1 |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        for s in scores:
            print(
                f"| `{s.name}` | {s.tp + s.fn} | {s.tp} | {s.fp} | {s.fn} "
                f"| {s.precision:.2f} | {s.recall:.2f} | {s.f1:.2f} |"
            )
    else:
        print(f"{len(examples)} replies ({args.split})")
        print(f"{'detector':<18} {'n':>4} {'tp':>4} {'fp':>4} {'fn':>4} {'prec':>6} {'rec':>6} {'f1':>6}")
        for s in scores:
            n = s.tp + s.fn
            print(f"{s.name:<18} {n:>4} {s.tp:>4} {s.fp:>4} {s.fn:>4} {s.precision:6.2f} {s.recall:6.2f} {s.f1:6.2f}")
    print(f"SCCT strategy accuracy: {accuracy:.2f} ({len(examples)} replies)")
    if args.errors:
        for e, (p, s) in zip(examples, predictions, strict=True):
            if args.errors == "strategy":
                if e.strategy != s:
                    print(f"{e.id} want {e.strategy} got {s}: {e.text}")
            elif (args.errors in e.flags) != (args.errors in p):
                kind = "FN" if args.errors in e.flags else "FP"
                print(f"{kind} {e.id}: {e.text}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
