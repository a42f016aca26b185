"""Choosing conversations from a multi-thread collection (``report --company/--conversation``).

Pure functions: a :class:`~postmortem.model.Collection` in, one merged
:class:`~postmortem.model.Thread` (posts keep their ``conversation_id``) or a summary out.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace

from postmortem.errors import UsageError
from postmortem.model import Collection, Coverage, Post, Thread, normalise_handle

TOP_SHOWN = 8
_MENTION = re.compile(r"@([A-Za-z0-9_]{1,50})")


@dataclass(frozen=True)
class CompanySummary:
    """How much of a collection belongs to one company account."""

    company: str
    """Normalised handle."""
    conversations: int
    posts: int


def summarise_collection(collection: Collection) -> list[CompanySummary]:
    """Per-company conversation and post counts, biggest first (threads without a company omitted)."""
    conversations: Counter[str] = Counter()
    posts: Counter[str] = Counter()
    for thread in collection.threads:
        for company in dict.fromkeys(thread.company_hint):
            conversations[company] += 1
            posts[company] += len(thread.posts)
    ordered = sorted(conversations, key=lambda c: (-conversations[c], -posts[c], c))
    return [CompanySummary(c, conversations[c], posts[c]) for c in ordered]


def select_thread(
    collection: Collection,
    company: Iterable[str] = (),
    conversation: Iterable[str] = (),
) -> Thread:
    """The conversations of ``company`` handles and/or with ``conversation`` ids, merged into one thread.

    Handles match case-insensitively with or without ``@``; a conversation id may be the
    conversation's (root) id or the id of any post in it. With no selection, a single thread
    is returned as is, and a collection whose threads name at most one company is merged
    whole; several companies raise a UsageError listing the biggest.
    """
    wanted_companies = tuple(dict.fromkeys(h for h in (normalise_handle(c) for c in company) if h))
    wanted_conversations = tuple(dict.fromkeys(c.strip() for c in conversation if c.strip()))
    threads = collection.threads
    if not wanted_companies and not wanted_conversations:
        if len(threads) == 1:
            return threads[0]
        summary = summarise_collection(collection)
        if len(summary) > 1:
            raise UsageError(
                f"{collection.source.path} holds {len(threads)} conversations of {len(summary)} companies; "
                f"choose with --company and/or --conversation ID ({_top(summary)})"
            )
        return merge_threads(collection, threads, tuple(s.company for s in summary))
    chosen = list(threads)
    if wanted_companies:
        chosen = [t for t in chosen if _has_company(t, wanted_companies)]
        if not chosen:
            raise UsageError(
                f"no conversation in {collection.source.path} involves {', '.join(wanted_companies)}; "
                f"companies in this file: {_top(summarise_collection(collection)) or 'none named'}"
            )
    if wanted_conversations:
        chosen = _by_conversation(collection, chosen, wanted_conversations, bool(wanted_companies))
    hint = wanted_companies or tuple(dict.fromkeys(h for t in chosen for h in t.company_hint))
    if len(chosen) == 1 and not wanted_companies:
        return chosen[0]
    return merge_threads(collection, chosen, hint)


def _by_conversation(
    collection: Collection, threads: list[Thread], wanted: tuple[str, ...], filtered: bool
) -> list[Thread]:
    found: list[Thread] = []
    missing: list[str] = []
    for conversation_id in wanted:
        match = next((t for t in threads if _in_conversation(t, conversation_id)), None)
        if match is None:
            missing.append(conversation_id)
        elif match not in found:
            found.append(match)
    if missing:
        scope = "of the chosen companies " if filtered else ""
        examples = ", ".join(t.conversation_id or t.posts[0].id for t in threads[:5])
        raise UsageError(
            f"no conversation {scope}with id {', '.join(missing)} in {collection.source.path}; "
            f"conversation ids look like: {examples or 'none'}"
        )
    return found


def _in_conversation(thread: Thread, conversation_id: str) -> bool:
    if thread.conversation_id == conversation_id:
        return True
    return any(p.id == conversation_id or p.conversation_id == conversation_id for p in thread.posts)


def _has_company(thread: Thread, companies: tuple[str, ...]) -> bool:
    """The company posted in the conversation, the export names it, or a post @mentions it.

    Mentions matter: a complaint the company never answered is a conversation it is part of.
    """
    if set(thread.company_hint) & set(companies):
        return True
    wanted = set(companies)
    for post in thread.posts:
        if normalise_handle(post.author) in wanted:
            return True
        if "@" in post.text and {normalise_handle(m) for m in _MENTION.findall(post.text)} & wanted:
            return True
    return False


def _top(summary: list[CompanySummary]) -> str:
    shown = ", ".join(f"{s.company} ({s.conversations} conversations, {s.posts} posts)" for s in summary[:TOP_SHOWN])
    more = len(summary) - TOP_SHOWN
    return shown + (f", and {more} more" if more > 0 else "")


def merge_threads(collection: Collection, threads: Iterable[Thread], company_hint: tuple[str, ...]) -> Thread:
    """One thread holding the posts of ``threads``, each post keeping its conversation id."""
    chosen = list(threads)
    posts: list[Post] = []
    for thread in chosen:
        for post in thread.posts:
            conversation = post.conversation_id or thread.conversation_id
            posts.append(post if post.conversation_id == conversation else replace(post, conversation_id=conversation))
    coverage = _selection_coverage(collection, chosen)
    single = chosen[0] if len(chosen) == 1 else None
    if single is not None:
        title = single.title
    else:
        who = ", ".join(company_hint) if company_hint else "selected"
        shared = {t.title for t in chosen}
        title = chosen[0].title if len(shared) == 1 and chosen[0].title else f"{who}: {len(chosen)} conversations"
    return Thread(
        posts=tuple(posts),
        source=collection.source,
        company_hint=company_hint,
        coverage=coverage,
        title=title,
        conversation_id=single.conversation_id if single is not None else None,
    )


def _selection_coverage(collection: Collection, chosen: list[Thread]) -> Coverage:
    if len(chosen) == len(collection.threads):
        return collection.coverage
    merged = Coverage()
    for thread in chosen:
        merged = merged.merged(thread.coverage)
    whole = collection.coverage
    note = (
        f"{len(chosen)} of {len(collection.threads)} conversations selected from the file "
        f"({whole.records_read} records read, {whole.posts_loaded} posts loaded in all)"
    )
    return replace(merged, notes=(*merged.notes, note))
