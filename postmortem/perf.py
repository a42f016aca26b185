"""Process-wide speed settings shared by the command line and the heavy library calls."""

from __future__ import annotations

import gc
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Generic, TypeVar

A = TypeVar("A")
B = TypeVar("B")
H = TypeVar("H", bound=Hashable)
R = TypeVar("R")

#: Cyclic-garbage collection thresholds while a large thread is loaded, analysed or laid out.
#: Python's defaults (700, 10, 10) run a young collection every 700 new objects and a full one
#: every 100 of those; building a million posts or a 30-page layout then spends 10-25 % of its
#: time walking objects that are all still alive (measured: WeasyPrint 10k report 2.6 -> 1.9 s,
#: 100k load 0.99 -> 0.77 s). Cycles are still collected, just in larger batches.
RELAXED_GC = (50_000, 50, 1_000)


@contextmanager
def gc_paused() -> Iterator[None]:
    """The cyclic garbage collector paused inside the block (if it runs), enabled again after.

    For bulk work that allocates millions of objects and no reference cycles (a load, a
    scoring batch): reference counting frees everything, but the allocations alone would
    trigger collections that walk every tracked object of the process, ever more of them.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


_in_forked_helper = False
"""True in a :func:`fork_start` child: it forks no helpers of its own."""


def nested() -> bool:
    """Whether this process is itself a helper: a worker process or a :func:`fork_start` child
    (no nested parallelism)."""
    import multiprocessing

    return _in_forked_helper or multiprocessing.parent_process() is not None


def fork_usable() -> bool:
    """Whether this process may fork a helper that runs Python code meanwhile: Linux, two or
    more CPUs, no other thread (forking a threaded process can deadlock the child) and not
    already inside a worker process or a forked helper (no nested parallelism)."""
    import os
    import sys
    import threading

    return (
        sys.platform.startswith("linux")
        and len(os.sched_getaffinity(0)) >= 2
        and threading.active_count() == 1
        and not nested()
    )


@contextmanager
def relaxed_gc() -> Iterator[None]:
    """Collect cyclic garbage less often inside the block; restore the previous thresholds after."""
    before = gc.get_threshold()
    gc.set_threshold(*RELAXED_GC)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def fork_pair(here: Callable[[], A], there: Callable[[], B]) -> tuple[A, B]:
    """``(here(), there())``, with ``there`` run by a forked child meanwhile (:func:`fork_start`).

    For pure, CPU-bound work on a large batch when :func:`fork_usable`. If ``here`` fails, the
    child is stopped and reaped before the error propagates.
    """
    pending = fork_start(there)
    try:
        mine = here()
    except BaseException:
        pending.cancel()
        raise
    return mine, pending()


def fork_start(there: Callable[[], B]) -> Pending[B]:
    """``there()``, started in a forked child: call the result to wait for its value.

    For pure, CPU-bound work when :func:`fork_usable`: the child inherits its inputs (nothing
    is sent to it), runs ``there``, pickles the result back through a pipe and leaves at once,
    without running any of the parent's cleanup. Its result should be plain tuples, strings and
    numbers: pickling rich objects back can cost what the child saved. If anything goes wrong
    in the child (or no process can be forked), ``there`` runs here when the result is asked
    for, so the result never depends on where it was computed: ``there`` must read only data
    that does not change meanwhile. :meth:`Pending.cancel` stops the child.
    """
    global _in_forked_helper
    import os
    import pickle

    try:
        read_end, write_end = os.pipe()
    except OSError:
        return Pending(there)
    try:
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        return Pending(there)
    if pid == 0:  # the child
        status = 1
        try:
            _in_forked_helper = True
            os.close(read_end)
            gc.freeze()  # the inherited objects stay alive: collecting over them would copy their pages
            payload = pickle.dumps(there(), protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(payload)
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    state = {"open": True}

    def collect() -> B:
        if not state["open"]:
            return there()
        state["open"] = False
        try:  # (interrupted: the pipe is closed first, so the child's write fails and it exits)
            with os.fdopen(read_end, "rb") as pipe:
                payload = pipe.read()
        finally:
            _, status = os.waitpid(pid, 0)
        try:
            return pickle.loads(payload) if status == 0 else there()
        except (pickle.UnpicklingError, EOFError, ValueError, TypeError):
            return there()

    def cancel() -> None:
        if not state["open"]:
            return
        state["open"] = False
        import signal

        os.close(read_end)
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)

    return Pending(collect, cancel)


#: From this many distinct values, :func:`map_distinct` hands half of them to a forked child.
SPLIT_DISTINCT = 50_000


def map_distinct(function: Callable[[H], R], values: Sequence[H], *, in_parallel: bool = False) -> list[R]:
    """``[function(v) for v in values]``, calling ``function`` once per distinct value.

    Retweets and copies make a third to a half of a big thread's texts. With ``in_parallel``,
    from :data:`SPLIT_DISTINCT` distinct values on, where :func:`fork_usable`, a forked child
    computes half of them meanwhile (:func:`fork_pair`): then ``function`` must be pure and
    its results plain values that survive pickling (booleans, numbers, strings; not an
    identity sentinel such as ``object()``, which comes back as a copy).
    """
    distinct = list(dict.fromkeys(values))
    if in_parallel and len(distinct) >= SPLIT_DISTINCT and fork_usable():
        half = len(distinct) // 2
        first, second = fork_pair(
            lambda: [function(v) for v in distinct[:half]], lambda: [function(v) for v in distinct[half:]]
        )
        results = dict(zip(distinct, first + second, strict=True))
    else:
        results = {v: function(v) for v in distinct}
    return [results[v] for v in values]


class Pending(Generic[A]):
    """A result being computed elsewhere (worker processes): call it once to wait for it;
    :meth:`cancel` if it will never be wanted (then the workers are stopped)."""

    def __init__(self, finish: Callable[[], A], cancel: Callable[[], None] | None = None) -> None:
        self._finish = finish
        self._cancel = cancel

    def __call__(self) -> A:
        return self._finish()

    def cancel(self) -> None:
        if self._cancel is not None:
            self._cancel()
