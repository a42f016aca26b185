"""Summarise a cProfile file written by ``benchmarks/run.py --profile``.

    python benchmarks/hotspots.py benchmarks/profiles/render_pdf-10k.prof [--top 25]

Prints the functions with the largest cumulative time (project code first, then any), and
the largest own time (where the interpreter actually spends its cycles).
"""

from __future__ import annotations

import argparse
import pstats
import sys


def rows(stats: pstats.Stats) -> list[tuple[str, int, float, float]]:
    out = []
    for (filename, line, func), (_cc, nc, tt, ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        short = filename
        for marker in ("/postmortem/", "/site-packages/", "/lib/python3"):
            if marker in filename:
                short = filename[filename.index(marker) + 1 :]
                break
        out.append((f"{short}:{line}({func})", nc, tt, ct))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("profile")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args(argv)
    stats = pstats.Stats(args.profile)
    data = rows(stats)
    total = max(ct for *_, ct in data)
    print(f"{args.profile}: total {total:.2f} s (profiled; cProfile adds overhead to Python-heavy code)")
    print("\n-- project functions by cumulative time")
    own = [r for r in data if r[0].startswith("postmortem/")]
    for name, nc, tt, ct in sorted(own, key=lambda r: -r[3])[: args.top]:
        print(f"{ct:8.2f} s cum {tt:7.2f} s own {nc:>9} calls  {name}")
    print("\n-- any function by own time")
    for name, nc, tt, ct in sorted(data, key=lambda r: -r[2])[: args.top]:
        print(f"{tt:8.2f} s own {ct:7.2f} s cum {nc:>9} calls  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
