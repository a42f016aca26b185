"""Benchmarks of postmortem (not part of the test suite).

    python benchmarks/run.py [--sizes 1k,10k,100k,1m] [--out results.json] [--seed 1]
                             [--repeat 1] [--profile] [--no-real] [--stages load,analysis,...]

For each size it generates a synthetic incident thread (cached in benchmarks/.cache/), then
runs every stage in a fresh interpreter (cold: imports, lexicon loading and caches are paid
each time) and measures wall time and peak RSS. Stages (see docs/performance.md):

  read_csv_pyarrow     reference: pandas.read_csv(engine="pyarrow") of the same file
  load                 postmortem.ingest.load (read, detect, parse into a Collection)
  analysis             api.load_thread + api.analyse(company=...): 'seconds' is analyse only
  sentiment_cs         scorer_for("vader+cs").score(texts)   (the scorer analyse uses)
  sentiment_vader      scorer_for("vader").score(texts)      (plain VADER, must be identical)
  sentiment_reference  vaderSentiment SentimentIntensityAnalyzer().polarity_scores per text
  render_json          load + analyse + write_report(json=...): 'seconds' is the render only
  render_pdf           load + analyse + write_report(pdf=..., json=...)
  cli_pdf / cli_json   the installed console script end to end: postmortem report FILE ...
  cli_review           the console script: postmortem review FILE --company X --json review.json
  help                 `postmortem --help`, median of 5 runs

Plus the real customer-support slice ../shared/data/twcs/twcs_dev.csv (skipped with a
message if absent). A table is printed; everything is written as JSON.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CACHE = HERE / ".cache"
sys.path.insert(0, str(HERE))

from generate import COMPANY, parse_size, write_csv  # noqa: E402

REAL = ROOT.parent / "shared" / "data" / "twcs" / "twcs_dev.csv"
REAL_COMPANY = "ChipotleTweets"
PY = sys.executable
CONSOLE = Path(PY).with_name("postmortem")
STAGES = (
    "read_csv_pyarrow",
    "load",
    "analysis",
    "sentiment_cs",
    "sentiment_vader",
    "sentiment_reference",
    "render_json",
    "render_pdf",
    "cli_json",
    "cli_pdf",
    "cli_review",
)
REFERENCE_SAMPLE = 200_000
"""The reference VADER scores at most this many texts (its throughput is per text, so the
ratio stays valid; at 1M the full reference run would take minutes)."""


MAX_TIMEOUT = [900.0]


def timeout_for(stage: str, n: int) -> float:
    """Generous per-stage limits: a stage over it is killed and reported as a timeout."""
    base = 120.0 + n / 1000.0 * (1.5 if stage in ("render_pdf", "cli_pdf") else 0.8)
    return min(base, MAX_TIMEOUT[0])


def label(n: int) -> str:
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}m"
    if n >= 1000 and n % 1000 == 0:
        return f"{n // 1000}k"
    return str(n)


def dataset(n: int, seed: int) -> Path:
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"synthetic-{label(n)}-seed{seed}.csv"
    if not path.exists():
        t = time.perf_counter()
        print(f"  generating {path.name} ...", end="", flush=True)
        write_csv(path, n, seed)
        print(f" {time.perf_counter() - t:.1f} s", flush=True)
    return path


def run_stage(stage: str, path: Path, company: str, n: int, *, profile: Path | None = None, sample: int = 0) -> dict:
    key = path.stem
    outdir = CACHE / "out" / key / stage
    if stage.startswith("cli_"):
        return run_cli(stage, path, company, outdir, timeout_for(stage, n))
    cmd = [PY, str(HERE / "_stage.py"), stage, str(path), "--company", company, "--out", str(outdir)]
    texts = CACHE / f"{key}.texts.pkl"
    cmd += ["--texts", str(texts)]
    if stage.startswith("sentiment_"):
        if not texts.exists():  # produced by the load stage; make sure it exists (untimed)
            run_stage("load", path, company, n)
        cmd += ["--scores", str(CACHE / f"{key}.{stage}.scores.pkl")]
        if sample:
            cmd += ["--sample", str(sample)]
    if profile is not None:
        cmd += ["--profile", str(profile)]
    return _subprocess(cmd, timeout_for(stage, n))


def _subprocess(cmd: list[str], timeout: float) -> dict:
    t = time.perf_counter()
    env = dict(os.environ, PYTHONHASHSEED="0", MPLBACKEND="Agg")
    try:
        proc = _run_group(cmd, timeout, env)
    except subprocess.TimeoutExpired:
        return {"status": f"timeout after {timeout:.0f} s", "wall_s": time.perf_counter() - t}
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        return {"status": f"exit {proc.returncode}: {' | '.join(tail)}"[:400], "wall_s": wall}
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["wall_s"] = wall
    result["status"] = "ok"
    return result


def _run_group(cmd: list[str], timeout: float, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run ``cmd`` in its own process group; at the time limit stop the whole group (the
    stage, its worker pool, or the CLI under GNU time), SIGTERM first so that a profiled
    stage saves its partial profile, then SIGKILL."""
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT, start_new_session=True
    )
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _signal_group(proc, signal.SIGTERM)
        try:
            proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            _signal_group(proc, signal.SIGKILL)
            proc.communicate()
        _signal_group(proc, signal.SIGKILL)  # stragglers (e.g. the CLI when GNU time was the one stopped)
        raise
    return subprocess.CompletedProcess(cmd, proc.returncode, stdout, stderr)


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, sig)


def run_cli(stage: str, path: Path, company: str, outdir: Path, timeout: float) -> dict:
    """The console script end to end, timed from outside, peak RSS through GNU time if present."""
    outdir.mkdir(parents=True, exist_ok=True)
    cmd = [str(CONSOLE), "-q", "report", str(path), "--company", company, "--force"]
    if stage == "cli_pdf":
        cmd += ["-o", str(outdir / "report.pdf")]
    elif stage == "cli_review":
        cmd = [str(CONSOLE), "-q", "review", str(path), "--company", company, "--force"]
        cmd += ["--json", str(outdir / "review.json")]
    else:
        cmd += ["--no-pdf", "--json", str(outdir / "metrics.json")]
    gnu_time = shutil.which("time") or ("/usr/bin/time" if Path("/usr/bin/time").exists() else None)
    rss_file = outdir / "rss.txt"
    if gnu_time:
        cmd = [gnu_time, "-f", "%U %S %M", "-o", str(rss_file), *cmd]
    t = time.perf_counter()
    try:
        proc = _run_group(cmd, timeout)
    except subprocess.TimeoutExpired:
        return {"status": f"timeout after {timeout:.0f} s", "wall_s": time.perf_counter() - t}
    wall = time.perf_counter() - t
    result: dict = {"stage": stage, "wall_s": wall, "seconds": wall}
    if proc.returncode != 0:
        result["status"] = f"exit {proc.returncode}: {proc.stderr.strip()[-300:]}"
        return result
    result["status"] = "ok"
    try:
        user, system, rss = rss_file.read_text().split()[-3:]
        result["maxrss_mb"] = round(int(rss) / 1024, 1)
        result["cpu_total_s"] = round(float(user) + float(system), 3)
    except (OSError, ValueError, IndexError):
        pass
    return result


def help_time(runs: int = 5) -> dict:
    walls = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run([str(CONSOLE), "--help"], capture_output=True, check=True)
        walls.append(time.perf_counter() - t)
    return {"stage": "help", "status": "ok", "median_s": statistics.median(walls), "runs_s": walls}


def measure(name: str, path: Path, company: str, n: int, stages: list[str], repeat: int, profile: bool) -> dict:
    print(f"\n== {name}: {path} ({n} posts, company {company})", flush=True)
    results: dict[str, dict] = {}
    for stage in stages:
        runs = []
        sample = REFERENCE_SAMPLE if stage == "sentiment_reference" else 0
        for _ in range(repeat if n <= 100_000 else 1):
            runs.append(run_stage(stage, path, company, n, sample=sample))
            if runs[-1].get("status") != "ok":
                break
        best = min((r for r in runs if r.get("status") == "ok"), key=lambda r: r["seconds"], default=runs[-1])
        if len(runs) > 1:
            best = dict(best, runs_s=[round(r.get("seconds", float("nan")), 4) for r in runs])
        results[stage] = best
        print(f"  {stage:<20} {_fmt(best)}", flush=True)
    _compare_scores(path, results)
    loaded = results.get("load", {})
    if loaded.get("status") == "ok":
        n = int(loaded["posts"])  # the real slice: records, not lines (texts may span lines)
    if profile:
        for stage in _profiled(n):
            prof = HERE / "profiles" / f"{stage}-{label(n)}.prof"
            prof.parent.mkdir(exist_ok=True)
            r = run_stage(stage, path, company, n, profile=prof)
            results[f"profiled_{stage}"] = r
            print(f"  profiled {stage} -> {prof.relative_to(ROOT)} ({r.get('status')})", flush=True)
    return {"name": name, "file": str(path), "posts": n, "company": company, "stages": results}


def _profiled(n: int) -> list[str]:
    return {10_000: ["render_pdf"], 100_000: ["analysis"], 1_000_000: ["render_json"]}.get(n, [])


def _compare_scores(path: Path, results: dict[str, dict]) -> None:
    """Plain fast VADER must equal the reference score for score (on the texts both scored)."""
    import pickle

    files = {s: CACHE / f"{path.stem}.{s}.scores.pkl" for s in ("sentiment_vader", "sentiment_reference")}
    if not all(f.exists() for f in files.values()) or "sentiment_reference" not in results:
        return
    fast = pickle.loads(files["sentiment_vader"].read_bytes())
    ref = pickle.loads(files["sentiment_reference"].read_bytes())
    k = min(len(fast), len(ref))
    diffs = sum(1 for a, b in zip(fast[:k], ref[:k], strict=True) if a != b)
    cs = results.get("sentiment_cs", {})
    refr = results["sentiment_reference"]
    vad = results.get("sentiment_vader", {})
    results["sentiment_check"] = {
        "compared": k,
        "vader_mismatches": diffs,
        "identical": diffs == 0,
        "ratio_vader_vs_reference": _ratio(vad.get("texts_per_s"), refr.get("texts_per_s")),
        "ratio_cs_vs_reference": _ratio(cs.get("texts_per_s"), refr.get("texts_per_s")),
    }
    for f in files.values():
        f.unlink(missing_ok=True)
    (CACHE / f"{path.stem}.sentiment_cs.scores.pkl").unlink(missing_ok=True)


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a and b else None


def _fmt(r: dict) -> str:
    if r.get("status") != "ok":
        return str(r.get("status"))
    parts = [f"{r['seconds']:.3f} s"]
    for key in ("load_s", "analyse_s", "import_s"):
        if key in r:
            parts.append(f"{key[:-2]} {r[key]:.2f}")
    if "texts_per_s" in r:
        parts.append(f"{r['texts_per_s']:.0f} texts/s ({r['texts']} texts, {r['distinct_texts']} distinct)")
    parts.append(f"wall {r['wall_s']:.2f} s")
    if "maxrss_mb" in r:
        kids = r.get("children_maxrss_mb") or 0
        parts.append(f"rss {r['maxrss_mb']:.0f} MB" + (f" (+workers {kids:.0f})" if kids else ""))
    return ", ".join(parts)


def table(report: dict) -> str:
    cols = [
        ("dataset (posts)", lambda d, s: ""),
        ("csv(pyarrow)", lambda d, s: _sec(s, "read_csv_pyarrow")),
        ("load", lambda d, s: _sec(s, "load")),
        ("load/pyarrow", lambda d, s: _x(s, "load", "read_csv_pyarrow")),
        ("analyse", lambda d, s: _sec(s, "analysis")),
        ("sent cs t/s", lambda d, s: _tps(s, "sentiment_cs")),
        ("sent vader t/s", lambda d, s: _tps(s, "sentiment_vader")),
        ("ref t/s", lambda d, s: _tps(s, "sentiment_reference")),
        ("cs/ref", lambda d, s: _chk(s, "ratio_cs_vs_reference")),
        ("vader/ref", lambda d, s: _chk(s, "ratio_vader_vs_reference")),
        ("same", lambda d, s: _same(s)),
        ("render json", lambda d, s: _sec(s, "render_json")),
        ("render pdf", lambda d, s: _sec(s, "render_pdf")),
        ("cli json", lambda d, s: _sec(s, "cli_json")),
        ("cli pdf", lambda d, s: _sec(s, "cli_pdf")),
        ("cli review", lambda d, s: _sec(s, "cli_review")),
        ("peak MB", lambda d, s: _peak(s)),
    ]
    rows = [[c for c, _ in cols]]
    for d in report["datasets"]:
        rows.append([f(d, d["stages"]) for _, f in cols])
        rows[-1][0] = f"{d['name']} ({d['posts']})"
    widths = [max(len(r[i]) for r in rows) for i in range(len(cols))]
    lines = [" | ".join(cell.rjust(w) for cell, w in zip(r, widths, strict=True)) for r in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def _sec(s: dict, stage: str) -> str:
    r = s.get(stage)
    if r is None:
        return "-"
    if r.get("status") != "ok":
        return "TIMEOUT" if "timeout" in str(r.get("status")) else "FAIL"
    return f"{r['seconds']:.2f}"


def _x(s: dict, a: str, b: str) -> str:
    ra, rb = s.get(a, {}), s.get(b, {})
    if ra.get("status") == "ok" and rb.get("status") == "ok" and rb["seconds"]:
        return f"{ra['seconds'] / rb['seconds']:.1f}x"
    return "-"


def _tps(s: dict, stage: str) -> str:
    r = s.get(stage)
    if not r or r.get("status") != "ok":
        return "-" if not r else "FAIL"
    return f"{r['texts_per_s']:.0f}"


def _chk(s: dict, key: str) -> str:
    v = s.get("sentiment_check", {}).get(key)
    return "-" if v is None else f"{v:.2f}x"


def _same(s: dict) -> str:
    c = s.get("sentiment_check")
    return "-" if not c else ("yes" if c["identical"] else f"NO ({c['vader_mismatches']})")


def _peak(s: dict) -> str:
    peaks = [
        r.get("maxrss_mb", 0) + (r.get("children_maxrss_mb") or 0)
        for k, r in s.items()
        if k in STAGES and k != "read_csv_pyarrow" and not k.startswith("sentiment") and r.get("status") == "ok"
    ]
    return f"{max(peaks):.0f}" if peaks else "-"


def machine() -> dict:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        mem = Path("/proc/meminfo").read_text().splitlines()[0].split(":", 1)[1].strip()
    except (OSError, IndexError):
        pass
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "memory": mem,
        "python": platform.python_version(),
        "loadavg_start": os.getloadavg(),
    }


def compile_package() -> None:
    """Write the package's bytecode first, as ``pip install .`` does: an editable install under
    ``PYTHONDONTWRITEBYTECODE=1`` (set on this machine) would otherwise compile every module
    from source in every cold stage (≈0.15 s of a 10k report, not something users pay)."""
    import compileall

    import postmortem

    compileall.compile_dir(str(Path(postmortem.__file__).parent), quiet=1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1k,10k,100k,1m")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", default=str(HERE / "results.json"))
    parser.add_argument("--repeat", type=int, default=1, help="runs per stage for sizes <= 100k (the fastest is kept)")
    parser.add_argument("--stages", default=",".join(STAGES))
    parser.add_argument("--profile", action="store_true", help="also cProfile 10k PDF, 100k analysis, 1M JSON")
    parser.add_argument("--no-real", action="store_true", help="skip the real twcs slice")
    parser.add_argument("--no-help", action="store_true", help="skip timing `postmortem --help`")
    parser.add_argument("--max-timeout", type=float, default=900.0, help="cap on any stage's time limit (s)")
    args = parser.parse_args(argv)
    MAX_TIMEOUT[0] = args.max_timeout
    CACHE.mkdir(parents=True, exist_ok=True)  # a fresh clone has none; the real slice is measured first
    compile_package()
    stages = [s for s in args.stages.split(",") if s]
    unknown = set(stages) - set(STAGES)
    if unknown:
        parser.error(f"unknown stages {sorted(unknown)}; choose from {','.join(STAGES)}")
    report: dict = {"machine": machine(), "datasets": []}
    print(
        f"machine: {report['machine']['cpu']} x{report['machine']['cpus']}, load {report['machine']['loadavg_start']}"
    )
    if not args.no_help:
        report["help"] = help_time()
        print(f"postmortem --help: median {report['help']['median_s']:.3f} s over 5 runs")
    if not args.no_real:
        if REAL.exists():
            rows = sum(1 for _ in REAL.open(encoding="utf-8")) - 1  # an upper bound (multi-line texts)
            report["datasets"].append(measure("twcs_dev", REAL, REAL_COMPANY, rows, stages, args.repeat, False))
        else:
            print(f"\nreal slice {REAL} not found: skipped")
    for size in [s for s in args.sizes.split(",") if s]:
        n = parse_size(size)
        path = dataset(n, args.seed)
        report["datasets"].append(measure(label(n), path, COMPANY, n, stages, args.repeat, args.profile))
        Path(args.out).write_text(json.dumps(report, indent=2, default=str))  # partial results survive a crash
    report["machine"]["loadavg_end"] = os.getloadavg()
    Path(args.out).write_text(json.dumps(report, indent=2, default=str))
    print("\n" + table(report))
    print(f"\nresults: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
