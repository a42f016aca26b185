"""Process-wide speed settings shared by the command line and the heavy library calls."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

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


def fork_usable() -> bool:
    """Whether this process may fork a helper that runs Python code meanwhile: Linux, two or
    more CPUs, no other thread (forking a threaded process can deadlock the child) and not
    already inside a worker process (no nested parallelism)."""
    import multiprocessing
    import os
    import sys
    import threading

    return (
        sys.platform.startswith("linux")
        and len(os.sched_getaffinity(0)) >= 2
        and threading.active_count() == 1
        and multiprocessing.parent_process() is None
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
