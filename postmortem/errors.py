"""Errors a user can read, each mapped to an exit code by the CLI."""

from __future__ import annotations

from pathlib import Path

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USAGE = 2
EXIT_BAD_INPUT = 3
EXIT_PARTIAL = 4
EXIT_BROKEN_PIPE = 141
"""The reader of stdout went away (e.g. ``postmortem formats | head -1``): 128 + SIGPIPE, as shells report it."""


class PostmortemError(Exception):
    """Base class: the message is one line a user can act on."""

    exit_code = EXIT_INTERNAL


class UsageError(PostmortemError):
    """An option or argument is wrong (bad value, output exists without --force...)."""

    exit_code = EXIT_USAGE


class InputError(PostmortemError):
    """An input file cannot be read as a thread.

    The message names the file and, where known, the record (row or line) and the field.
    """

    exit_code = EXIT_BAD_INPUT

    def __init__(
        self,
        path: str | Path,
        problem: str,
        *,
        record: str | int | None = None,
        field: str | None = None,
    ) -> None:
        self.path = str(path)
        self.problem = problem
        self.record = record
        self.field = field
        where = self.path
        if record is not None:
            where += f", {record}" if isinstance(record, str) else f", record {record}"
        if field is not None:
            where += f", field '{field}'"
        super().__init__(f"{where}: {problem}")


class OutputError(PostmortemError):
    """An output cannot be written."""

    exit_code = EXIT_USAGE
