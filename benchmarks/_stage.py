"""One benchmark stage in a fresh interpreter (run by benchmarks/run.py; not for direct use).

    python benchmarks/_stage.py STAGE FILE [--company X] [--out DIR] [--texts F] [--scores F]
                                [--sample N] [--profile F.prof]

Prints one JSON object on its last stdout line: ``seconds`` (the stage's own work, after
imports), ``import_s``, sub-timings, and ``maxrss_mb`` (this process) / ``children_maxrss_mb``
(its worker processes, e.g. the sentiment pool). Imports happen inside the timed process, so
each stage is cold (no warm caches, no lexicon loaded).
"""

from __future__ import annotations

import argparse
import json
import pickle
import resource
import time
from pathlib import Path

T0 = time.perf_counter()


def _rss() -> dict[str, float]:
    """Peak RSS of this process and of its largest waited-for child, plus the CPU seconds of
    both (CPU time is far less sensitive than wall time to other load on a shared machine)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "maxrss_mb": round(own.ru_maxrss / 1024, 1),
        "children_maxrss_mb": round(kids.ru_maxrss / 1024, 1),
        "cpu_total_s": round(own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime, 3),
    }


def _texts(path: str) -> list[str]:
    from postmortem.ingest import load

    collection = load(path)
    return [p.text for t in collection.threads for p in t.posts]


def _load_analyse(path: str, company: str, timings: dict[str, float]):
    from postmortem import api

    t = time.perf_counter()
    thread = api.load_thread(path, company=[company] if company else [])
    timings["load_s"] = time.perf_counter() - t
    t = time.perf_counter()
    analysis = api.analyse(thread, company=[company] if company else [])
    timings["analyse_s"] = time.perf_counter() - t
    timings["posts"] = len(analysis.posts)
    return analysis


def run(args: argparse.Namespace) -> dict[str, object]:
    stage, path = args.stage, args.file
    out: dict[str, object] = {"stage": stage}
    t_imp = time.perf_counter()
    if stage == "read_csv_pyarrow":
        import pandas as pd

        out["import_s"] = time.perf_counter() - t_imp
        t = time.perf_counter()
        frame = pd.read_csv(path, engine="pyarrow")
        out["seconds"] = time.perf_counter() - t
        out["rows"] = len(frame)
    elif stage == "load":
        import postmortem.ingest as ingest

        out["import_s"] = time.perf_counter() - t_imp
        t = time.perf_counter()
        collection = ingest.load(path)
        out["seconds"] = time.perf_counter() - t
        out["posts"] = sum(len(th.posts) for th in collection.threads)
        out["threads"] = len(collection.threads)
        if args.texts and not Path(args.texts).exists():  # cache the texts for the sentiment stages (untimed)
            texts = [p.text for th in collection.threads for p in th.posts]
            tmp = Path(args.texts + ".tmp")
            tmp.write_bytes(pickle.dumps(texts, protocol=5))
            tmp.replace(args.texts)
    elif stage == "analysis":
        import postmortem.api
        import postmortem.lessons  # noqa: F401

        out["import_s"] = time.perf_counter() - t_imp
        _load_analyse(path, args.company, out)
        out["seconds"] = out["analyse_s"]
    elif stage in ("sentiment_cs", "sentiment_vader", "sentiment_reference"):
        texts = pickle.loads(Path(args.texts).read_bytes()) if args.texts else _texts(path)
        if args.sample and len(texts) > args.sample:
            texts = texts[: args.sample]
        out["texts"] = len(texts)
        out["distinct_texts"] = len(set(texts))
        t_imp = time.perf_counter()
        if stage == "sentiment_reference":
            from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

            out["import_s"] = time.perf_counter() - t_imp
            t = time.perf_counter()
            analyzer = SentimentIntensityAnalyzer()
            out["init_s"] = time.perf_counter() - t
            scores = [analyzer.polarity_scores(text)["compound"] for text in texts]
        else:
            from postmortem.analysis.cs_sentiment import scorer_for

            out["import_s"] = time.perf_counter() - t_imp
            t = time.perf_counter()
            scorer = scorer_for("vader+cs" if stage == "sentiment_cs" else "vader")
            out["init_s"] = time.perf_counter() - t
            scores = scorer.score(texts)
        out["seconds"] = time.perf_counter() - t
        out["texts_per_s"] = len(texts) / out["seconds"] if out["seconds"] else None
        if args.scores:
            Path(args.scores).write_bytes(pickle.dumps([float(s) for s in scores], protocol=5))
    elif stage in ("render_pdf", "render_json"):
        from postmortem import api

        out["import_s"] = time.perf_counter() - t_imp
        analysis = _load_analyse(path, args.company, out)
        outdir = Path(args.out)
        outdir.mkdir(parents=True, exist_ok=True)
        targets = api.Outputs(
            pdf=outdir / "report.pdf" if stage == "render_pdf" else None,
            json=outdir / "metrics.json",
        )
        t = time.perf_counter()
        written = api.write_report(analysis, targets, force=True)
        out["seconds"] = time.perf_counter() - t
        out["bytes"] = {p.name: p.stat().st_size for p in written}
    else:
        raise SystemExit(f"unknown stage {stage!r}")
    out["total_s"] = time.perf_counter() - T0
    out.update(_rss())
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("stage")
    parser.add_argument("file")
    parser.add_argument("--company", default="")
    parser.add_argument("--out", default=".")
    parser.add_argument("--texts", default="")
    parser.add_argument("--scores", default="")
    parser.add_argument("--sample", type=int, default=0)
    parser.add_argument("--profile", default="")
    args = parser.parse_args()
    if args.profile:
        import cProfile
        import signal

        def _stop(signum, frame):
            raise KeyboardInterrupt  # unwinds to the finally below: a timed-out run keeps its profile

        signal.signal(signal.SIGTERM, _stop)
        profiler = cProfile.Profile()
        try:
            result = profiler.runcall(run, args)
        finally:
            profiler.dump_stats(args.profile)
    else:
        result = run(args)
    print(json.dumps(result, default=str))


if __name__ == "__main__":
    main()
