"""Telling the user how a review is going: a progress bar on a terminal, plain log lines otherwise.

Failures are always reported (one ``postmortem: warning:`` line each on the stream), even
when quiet; progress and per-file lines are not shown when quiet.
"""

from __future__ import annotations

import time
from typing import TextIO

from postmortem.review.collect import InputFailure, Progress


class LogProgress:
    """One line per input (cron, log files): ``review: [2/5] path: 682 conversations``."""

    def __init__(self, stream: TextIO, quiet: bool = False) -> None:
        self.stream = stream
        self.quiet = quiet
        self._index = ""

    def _say(self, line: str) -> None:
        self.stream.write(line + "\n")
        self.stream.flush()

    def input_started(self, path: str, index: int, total: int) -> None:
        """Remember the input's position."""
        self._index = f"[{index}/{total}]"

    def threads_started(self, path: str, total: int) -> None:
        """Nothing: the line comes when the input is done."""

    def advance(self, count: int) -> None:
        """Nothing per conversation in a log."""

    def input_done(self, path: str, analysed: int, skipped: int) -> None:
        """``review: [i/n] path: N conversations reviewed (M outside the period or company)``."""
        if not self.quiet:
            extra = f" ({skipped} outside the period or other companies)" if skipped else ""
            self._say(f"review: {self._index} {path}: {analysed} conversations reviewed{extra}")

    def failure(self, failure: InputFailure) -> None:
        """Always shown."""
        self._say(f"postmortem: warning: {failure.path}: {failure.message}")


class BarProgress(LogProgress):
    """A rich progress bar of conversations analysed (terminals only).

    It is redrawn when the count moves (at most ten times a second), not by a refresh thread:
    the analysis uses forked helpers only while no other thread runs (perf.fork_usable).
    """

    REDRAW_S = 0.1

    def __init__(self, stream: TextIO, quiet: bool = False) -> None:
        super().__init__(stream, quiet)
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.console = Console(file=stream)
        self.bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self.console,
            transient=True,
            auto_refresh=False,
        )
        self.task = self.bar.add_task("review", total=None)
        self.bar.start()
        self._drawn = 0.0
        self._redraw(force=True)

    def _redraw(self, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self._drawn >= self.REDRAW_S:
            self.bar.refresh()
            self._drawn = now

    def threads_started(self, path: str, total: int) -> None:
        """A new bar for this input's conversations."""
        name = path if len(path) <= 40 else "\u2026" + path[-39:]
        self.bar.update(self.task, description=f"{self._index} {name}", total=total, completed=0)
        self._redraw(force=True)

    def advance(self, count: int) -> None:
        """Move the bar."""
        self.bar.advance(self.task, count)
        self._redraw()

    def _say(self, line: str) -> None:
        self.console.print(line, markup=False, highlight=False, soft_wrap=True)

    def close(self) -> None:
        """Remove the bar."""
        self.bar.stop()


def make_progress(stream: TextIO, *, quiet: bool = False) -> Progress:
    """A bar when ``stream`` is a terminal and not quiet, log lines otherwise."""
    if not quiet and stream.isatty():
        return BarProgress(stream, quiet)
    return LogProgress(stream, quiet)


def close_progress(progress: Progress) -> None:
    """Stop a bar if there is one."""
    if isinstance(progress, BarProgress):
        progress.close()
