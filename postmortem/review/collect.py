"""Gather the threads of a review: expand paths, load each export, analyse each conversation.

Every input is loaded on its own with :func:`postmortem.ingest.load`; a file that fails is kept
as an :class:`InputFailure` (path and one line) and the others go on. Multi-conversation files
(the support CSV) give one thread per conversation. Each thread is analysed and at once reduced
to a :class:`~postmortem.review.summary.ThreadSummary`, so memory stays bounded; many
conversations are analysed in worker processes.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from postmortem.analysis.results import AnalysisOptions
from postmortem.errors import PostmortemError
from postmortem.model import Collection, Thread, normalise_handle
from postmortem.review.summary import ThreadSummary, summarise

if TYPE_CHECKING:
    from postmortem.analysis.fast_vader import CachedScorer

DATA_SUFFIXES = (".json", ".jsonl", ".ndjson", ".js", ".csv", ".zip")
"""Files inside folders that look like exports; other files there are ignored (counted in a note)."""
PARALLEL_MIN_THREADS = 48
"""Below this many conversations in one file, worker processes cost more than they save."""
CHUNK_THREADS = 16
NO_COMPANY = "(no company found)"


@dataclass(frozen=True)
class InputFailure:
    """An input that could not be reviewed, with one line saying why."""

    path: str
    message: str


@dataclass(frozen=True)
class Window:
    """Which threads to analyse: first post/last post must overlap ``[start, end)`` (None: open)."""

    start: datetime | None = None
    end: datetime | None = None

    def overlaps(self, first: datetime, last: datetime) -> bool:
        """A thread spanning ``[first, last]`` may have its first inbound post in the window."""
        if self.start is not None and last < self.start:
            return False
        return not (self.end is not None and first >= self.end)


@dataclass(frozen=True)
class CollectOptions:
    """How inputs are read and measured."""

    analysis: AnalysisOptions = field(default_factory=AnalysisOptions)
    window: Window = field(default_factory=Window)
    jobs: int | None = None
    """Worker processes for files with many conversations (None: one per CPU, at most 8; 1: none)."""


@dataclass
class Collected:
    """What the inputs gave: summaries of the threads in the window, failures, counts."""

    summaries: list[ThreadSummary] = field(default_factory=list)
    failures: list[InputFailure] = field(default_factory=list)
    files_loaded: int = 0
    threads_read: int = 0
    threads_outside: int = 0
    threads_other_companies: int = 0
    ignored_files: int = 0
    earliest: datetime | None = None
    """The earliest post of any input (do the inputs reach back to the previous period?)."""
    notes: list[str] = field(default_factory=list)


class Progress(Protocol):
    """What the collector tells the user while it works (see :mod:`postmortem.review.progress`)."""

    def input_started(self, path: str, index: int, total: int) -> None:
        """An input is being loaded."""

    def threads_started(self, path: str, total: int) -> None:
        """``total`` conversations of ``path`` are being analysed."""

    def advance(self, count: int) -> None:
        """``count`` more conversations done."""

    def input_done(self, path: str, analysed: int, skipped: int) -> None:
        """An input is finished."""

    def failure(self, failure: InputFailure) -> None:
        """An input (or one conversation) failed."""


class _Silent:
    def input_started(self, path: str, index: int, total: int) -> None:
        """Nothing."""

    def threads_started(self, path: str, total: int) -> None:
        """Nothing."""

    def advance(self, count: int) -> None:
        """Nothing."""

    def input_done(self, path: str, analysed: int, skipped: int) -> None:
        """Nothing."""

    def failure(self, failure: InputFailure) -> None:
        """Nothing."""


# --- finding the inputs --------------------------------------------------------------------------


def _has_glob(text: str) -> bool:
    return any(ch in text for ch in "*?[")


def _is_folder_export(folder: Path) -> bool:
    """A folder that loads as one export rather than file by file.

    PHEME/RumourEval and Reddit page folders (``structure.json``, ``source-tweet/``, or
    conversation subfolders holding them) and X archives (``tweets.js`` beside ``account.js``):
    their member files mean nothing on their own.
    """
    names = {p.name for p in folder.iterdir() if not p.name.startswith(".")}
    if "structure.json" in names or "source-tweet" in names or "source-tweets" in names:
        return True
    tweets = any(n in names for n in ("tweets.js", "tweet.js")) or any(n.startswith("tweets-part") for n in names)
    if tweets and "account.js" in names:
        return True
    return any(
        child.is_dir()
        and not child.name.startswith(".")
        and any((child / n).is_dir() for n in ("source-tweet", "source-tweets"))
        for child in folder.iterdir()
    )


def _walk(folder: Path, ignored: list[Path]) -> Iterator[Path]:
    if _is_folder_export(folder):
        yield folder
        return
    for child in sorted(folder.iterdir()):
        if child.name.startswith("."):
            continue
        if child.is_dir():
            yield from _walk(child, ignored)
        elif child.suffix.lower() in DATA_SUFFIXES:
            yield child
        else:
            ignored.append(child)


def expand_paths(paths: Sequence[str | Path]) -> tuple[list[Path], list[InputFailure], int]:
    """Files and folder exports to load, failures for paths that match nothing, and the number
    of files ignored inside folders (not exports by their name).

    Files named explicitly (or matched by a glob) are always tried; inside folders only files
    ending in .json, .jsonl, .ndjson, .js, .csv or .zip are, and hidden files and folders are skipped.
    """
    found: list[Path] = []
    failures: list[InputFailure] = []
    ignored: list[Path] = []
    for item in paths:
        text = str(item)
        path = Path(text).expanduser()
        if path.exists():
            matches = [path]
        elif _has_glob(text):
            matches = [Path(m) for m in sorted(glob.glob(os.path.expanduser(text), recursive=True))]
            if not matches:
                failures.append(InputFailure(text, "no file matches this pattern"))
        else:
            failures.append(InputFailure(text, "no such file or folder"))
            matches = []
        for match in matches:
            if match.is_dir():
                before = len(found)
                found.extend(_walk(match, ignored))
                if len(found) == before:
                    failures.append(InputFailure(str(match), "folder holds no export files"))
            else:
                found.append(match)
    unique: dict[Path, Path] = {}
    for p in found:
        unique.setdefault(p.resolve(), p)
    return list(unique.values()), failures, len(ignored)


# --- analysing ---------------------------------------------------------------------------------

_SCORERS: dict[str, CachedScorer] = {}


def _scorer(method: str) -> CachedScorer:
    """One sentiment scorer per process and mode (it caches scores of identical texts)."""
    if method not in _SCORERS:
        from postmortem.analysis.cs_sentiment import scorer_for

        _SCORERS[method] = scorer_for(method)
    return _SCORERS[method]


def _prefetcher(method: str) -> Callable[[list[str]], None] | None:
    """Where the loader sends the texts it reads: the scorer's ``prefetch`` (worker processes
    score a big file's texts while the rest of it is read and while the analysis begins)."""
    from postmortem.analysis import SENTIMENT_MODES

    return _scorer(method).prefetch if method in SENTIMENT_MODES else None


def _settle_scorers(*, drop: bool = False) -> None:
    """Collect (or with ``drop``, stop) any prefetch still running: before this process forks
    its own workers, and when the review ends."""
    for scorer in _SCORERS.values():
        if drop:
            scorer.drop_prefetch()
        else:
            scorer.settle()


@dataclass(frozen=True)
class _Job:
    thread: Thread
    company: tuple[str, ...]
    label: str
    multi: bool


def analyse_job(job: _Job, options: AnalysisOptions) -> ThreadSummary | InputFailure:
    """Analyse one thread and reduce it to a summary (a failure instead of an exception)."""
    from dataclasses import replace

    from postmortem.analysis import analyse

    where = job.thread.source.path + (f" (conversation {job.thread.conversation_id})" if job.multi else "")
    try:
        analysis = analyse(
            job.thread,
            replace(options, company=job.company),
            scorer=_scorer(options.sentiment),
            summary_only=True,  # a review keeps only a ThreadSummary of each thread
        )
        label = job.label or ", ".join(analysis.company.display) or NO_COMPANY
        return summarise(analysis, company=label, multi=job.multi)
    except PostmortemError as exc:
        return InputFailure(where, str(exc))
    except Exception as exc:  # one odd conversation must not stop an unattended review
        return InputFailure(where, f"could not be analysed ({type(exc).__name__}: {exc})")


def _analyse_chunk(jobs: list[_Job], options: AnalysisOptions) -> list[ThreadSummary | InputFailure]:
    return [analyse_job(job, options) for job in jobs]


def plan_jobs(collection: Collection, companies: tuple[str, ...], window: Window) -> tuple[list[_Job], int, int]:
    """The threads to analyse, with the company each counts under; also how many were outside
    the window and how many belong to companies not asked for."""
    wanted = tuple(dict.fromkeys(h for h in (normalise_handle(c) for c in companies) if h))
    multi = len(collection.threads) > 1
    jobs: list[_Job] = []
    outside = other = 0
    for thread in collection.threads:
        if not thread.posts:
            continue
        if not window.overlaps(thread.posts[0].created_at, thread.posts[-1].created_at):
            outside += 1
            continue
        hint = tuple(dict.fromkeys(thread.company_hint))
        if hint:
            # The export names the company (support CSV): group by it; --company selects among them.
            chosen = tuple(h for h in hint if h in wanted) if wanted else hint
            if wanted and not chosen:
                other += 1
                continue
            label = ", ".join(_display(thread, h) for h in chosen)
            jobs.append(_Job(thread, chosen if wanted else (), label, multi))
        else:
            label = ", ".join(companies) if wanted else ""
            jobs.append(_Job(thread, wanted, label, multi))
    return jobs, outside, other


def _display(thread: Thread, handle: str) -> str:
    for post in thread.posts:
        if normalise_handle(post.author) == handle:
            return post.author
    return handle


class Analyser:
    """Runs analysis jobs in this process or in a pool created on first need."""

    def __init__(self, options: CollectOptions) -> None:
        self.options = options
        wanted = options.jobs if options.jobs is not None else min(os.cpu_count() or 1, 8)
        self.workers = max(1, wanted)
        self._pool: Executor | None = None

    def run(self, jobs: list[_Job], advance: Callable[[int], None]) -> Iterator[ThreadSummary | InputFailure]:
        """Results in job order."""
        analysis = self.options.analysis
        if self.workers == 1 or len(jobs) < PARALLEL_MIN_THREADS:
            for job in jobs:
                yield analyse_job(job, analysis)
                advance(1)
            return
        pool = self._get_pool()
        chunks = [jobs[i : i + CHUNK_THREADS] for i in range(0, len(jobs), CHUNK_THREADS)]
        futures = [pool.submit(_analyse_chunk, chunk, analysis) for chunk in chunks]
        for future, chunk in zip(futures, chunks, strict=True):
            yield from future.result()
            advance(len(chunk))

    def _get_pool(self) -> Executor:
        if self._pool is None:
            import multiprocessing

            _settle_scorers()  # the workers inherit the scores, and no prefetch pool of ours
            import warnings

            # fork where there is one: workers start at once and need not re-import the caller's
            # main module (a cron script without a __main__ guard); spawn elsewhere.
            methods = multiprocessing.get_all_start_methods()
            context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
            pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=context)
            with warnings.catch_warnings():
                # Python 3.12+ warns about fork() in a process with threads (a progress bar's);
                # the workers only analyse and never touch the parent's locks.
                warnings.filterwarnings("ignore", category=DeprecationWarning, message=".*fork.*")
                pool.submit(int).result()  # start every worker now, inside this guard
            self._pool = pool
        return self._pool

    def close(self) -> None:
        """Stop the worker processes."""
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None


def collect(
    paths: Sequence[str | Path],
    options: CollectOptions,
    progress: Progress | None = None,
    *,
    fmt: str | None = None,
) -> Collected:
    """Load every input, analyse the threads that may fall in ``options.window`` and summarise them."""
    from postmortem.ingest import load

    report = progress or _Silent()
    files, failures, ignored = expand_paths(paths)
    result = Collected(ignored_files=ignored)
    for failure in failures:
        result.failures.append(failure)
        report.failure(failure)
    analyser = Analyser(options)
    try:
        for index, path in enumerate(files, start=1):
            report.input_started(str(path), index, len(files))
            # Stop scoring a previous file's texts that no analysis asked for (a failed load, no
            # thread in the window); this file's blocks go to the scorer as they are read.
            _settle_scorers(drop=True)
            try:
                collection = load(path, fmt, tz=options.analysis.tz, texts_read=_prefetcher(options.analysis.sentiment))
            except PostmortemError as exc:
                failure = InputFailure(str(path), _without_path(str(exc), str(path)))
                result.failures.append(failure)
                report.failure(failure)
                continue
            result.files_loaded += 1
            result.threads_read += len(collection.threads)
            firsts = [t.posts[0].created_at for t in collection.threads if t.posts]
            if firsts and (result.earliest is None or min(firsts) < result.earliest):
                result.earliest = min(firsts)
            jobs, outside, other = plan_jobs(collection, options.analysis.company, options.window)
            del collection  # only the jobs' threads are needed from here on
            result.threads_outside += outside
            result.threads_other_companies += other
            report.threads_started(str(path), len(jobs))
            done = 0
            for item in analyser.run(jobs, report.advance):
                if isinstance(item, InputFailure):
                    result.failures.append(item)
                    report.failure(item)
                else:
                    result.summaries.append(item)
                    done += 1
            report.input_done(str(path), done, outside + other)
    finally:
        analyser.close()
        _settle_scorers(drop=True)
    if ignored:
        count = "1 file" if ignored == 1 else f"{ignored} files"
        result.notes.append(f"{count} inside folders ignored (not .json, .jsonl, .ndjson, .js, .csv or .zip)")
    return result


def _without_path(message: str, path: str) -> str:
    """Errors name their file; the failure list shows the path in its own column."""
    prefix = f"{path}: "
    return message[len(prefix) :] if message.startswith(prefix) else message
