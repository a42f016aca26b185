"""The one normalised model every loader produces and every analysis consumes.

A :class:`Thread` is a set of :class:`Post` objects with reply links, the accounts that
speak for the company, a :class:`Source` describing where it came from and a
:class:`Coverage` record of what the loader could not take as-is.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Literal

PostKind = Literal["post", "comment", "reply", "quote", "share"]
POST_KINDS: tuple[str, ...] = ("post", "comment", "reply", "quote", "share")


def cut_reply_cycles(ids: Sequence[str], parents: Sequence[str | None]) -> tuple[list[str | None], int]:
    """Parents that make the posts a forest, and how many reply cycles were cut.

    Parents missing from ``ids`` and posts listed as their own parent become roots. ``ids``
    must be in time order: a cycle is cut at its earliest post, which becomes a root.
    """
    present = set(ids)
    result: list[str | None] = [p if p in present and p != i else None for i, p in zip(ids, parents, strict=True)]
    order = {post_id: n for n, post_id in enumerate(ids)}
    if len(order) == len(result) and all(p is None or order[p] < n for n, p in enumerate(result)):
        return result, 0  # every parent comes before its reply: no cycle is possible
    parent_of = dict(zip(ids, result, strict=True))
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    cuts = 0
    for start in ids:
        path: list[str] = []
        node: str | None = start
        while node is not None and state.get(node, 0) == 0:
            state[node] = 1
            path.append(node)
            node = parent_of[node]
        if node is not None and state.get(node) == 1:
            cycle = path[path.index(node) :]
            parent_of[min(cycle, key=order.__getitem__)] = None
            cuts += 1
        for member in path:
            state[member] = 2
    return [parent_of[i] for i in ids], cuts


def normalise_handle(handle: str) -> str:
    """Return the comparable form of a handle: no leading @, no spaces, lower case."""
    return handle.strip().lstrip("@").strip().casefold()


@dataclass(frozen=True, slots=True)
class Post:
    """One post, comment, reply, quote or share, with a UTC-aware timestamp."""

    id: str
    parent_id: str | None
    author: str
    created_at: datetime
    text: str
    platform: str
    kind: str = "post"
    author_name: str | None = None
    likes: int | None = None
    shares: int | None = None
    url: str | None = None
    conversation_id: str | None = None
    quoted_id: str | None = None
    is_company: bool | None = None
    """What the export itself says (e.g. the support CSV's ``inbound`` flag); None if silent."""

    def __post_init__(self) -> None:
        if self.created_at.tzinfo is None:
            raise ValueError(f"post {self.id}: created_at must be timezone-aware")
        if self.created_at.utcoffset() != UTC.utcoffset(None):
            object.__setattr__(self, "created_at", self.created_at.astimezone(UTC))
        if self.kind not in POST_KINDS:
            raise ValueError(f"post {self.id}: unknown kind {self.kind!r}")


@dataclass(frozen=True, slots=True)
class Source:
    """Where a thread came from."""

    path: str
    format: str
    sha256: str
    size_bytes: int = 0
    timezone_assumed: str | None = None
    """Set when naive timestamps were read in this zone."""


@dataclass(frozen=True)
class Coverage:
    """What a load could not take as-is: a post-mortem built on a partial export must say so."""

    records_read: int = 0
    posts_loaded: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    """Reason -> number of records dropped for it."""
    repaired: dict[str, int] = field(default_factory=dict)
    """Repair -> number of records changed (e.g. mojibake fixed, timestamp assumed UTC)."""
    duplicates_merged: int = 0
    orphans: int = 0
    """Replies whose parent is not in the export (kept, attached as roots)."""
    stubs: int = 0
    """Deleted, withheld or "more" placeholders that the export does not contain."""
    notes: tuple[str, ...] = ()

    @property
    def is_partial(self) -> bool:
        """True when something was skipped, missing or stubbed out."""
        return bool(sum(self.skipped.values()) or self.orphans or self.stubs)

    def merged(self, other: Coverage) -> Coverage:
        """Add two coverage records (for collections loaded from several files)."""
        skipped = Counter(self.skipped)
        skipped.update(other.skipped)
        repaired = Counter(self.repaired)
        repaired.update(other.repaired)
        return Coverage(
            records_read=self.records_read + other.records_read,
            posts_loaded=self.posts_loaded + other.posts_loaded,
            skipped=dict(skipped),
            repaired=dict(repaired),
            duplicates_merged=self.duplicates_merged + other.duplicates_merged,
            orphans=self.orphans + other.orphans,
            stubs=self.stubs + other.stubs,
            notes=self.notes + tuple(n for n in other.notes if n not in self.notes),
        )

    def lines(self) -> list[str]:
        """Human-readable summary lines, one per fact worth telling."""
        out = [f"{self.records_read} records read, {self.posts_loaded} posts loaded"]
        for reason, count in sorted(self.skipped.items()):
            out.append(f"{count} skipped: {reason}")
        for repair, count in sorted(self.repaired.items()):
            out.append(f"{count} repaired: {repair}")
        if self.duplicates_merged:
            out.append(f"{self.duplicates_merged} duplicate records merged")
        if self.orphans:
            out.append(f"{self.orphans} replies whose parent is not in the export (kept as roots)")
        if self.stubs:
            out.append(f"{self.stubs} deleted, withheld or collapsed posts not in the export")
        out.extend(self.notes)
        return out


@dataclass(frozen=True)
class Thread:
    """A conversation: posts in time order plus what is known about the company."""

    posts: tuple[Post, ...]
    source: Source
    company_hint: tuple[str, ...] = ()
    """Company accounts the export itself names (normalised handles), if any."""
    coverage: Coverage = field(default_factory=Coverage)
    title: str | None = None
    conversation_id: str | None = None

    def __post_init__(self) -> None:
        ordered = tuple(sorted(self.posts, key=lambda p: (p.created_at, p.id)))
        object.__setattr__(self, "posts", ordered)

    @property
    def platform(self) -> str:
        """The platform most posts come from."""
        if not self.posts:
            return "unknown"
        return Counter(p.platform for p in self.posts).most_common(1)[0][0]

    def with_posts(self, posts: tuple[Post, ...] | list[Post]) -> Thread:
        """A copy holding other posts (same source and coverage)."""
        return replace(self, posts=tuple(posts))


@dataclass(frozen=True)
class Collection:
    """What one load returns: one thread for most formats, many for multi-conversation files."""

    threads: tuple[Thread, ...]
    source: Source
    coverage: Coverage

    @property
    def posts(self) -> int:
        """Number of posts across all threads."""
        return sum(len(t.posts) for t in self.threads)
