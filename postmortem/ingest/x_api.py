"""X API v2 JSON: raw response pages (one page, or twarc2's JSON Lines of pages) and twarc2's
flattened lines (one tweet per line with ``author`` and ``referenced_tweets`` inlined).

``referenced_tweets`` of type ``replied_to`` give the parent, ``quoted`` makes a quote (a
side branch: no parent, ``quoted_id`` set), ``retweeted`` marks a retweet (skipped).
Replied-to tweets that the export carries only as expansions (``includes.tweets`` or
inlined) are added, so a search for a conversation keeps its root post.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from postmortem.errors import InputError
from postmortem.ingest.common import (
    FormatSpec,
    JsonObject,
    LoadOptions,
    RawInput,
    ThreadBuilder,
    as_id,
    as_int,
    clean_text,
    expect_dict,
    expect_list,
    head_text,
    json_lines,
    optional_str,
    parse_json_text,
    require,
    require_id,
)
from postmortem.ingest.tweet_v1 import RETWEET_SKIP
from postmortem.model import Collection, Post

V2 = "x-api-v2"
FLAT = "twarc2-jsonl"
EXPANSION_NOTE = "{} replied-to tweets taken from the export's expansions (includes.tweets)"
_TWITTER_KEYS = ('"author_id"', '"edit_history_tweet_ids"', '"conversation_id"', '"referenced_tweets"')


@dataclass
class _Batch:
    """Tweets of one export with the users and referenced tweets its expansions carry."""

    tweets: list[tuple[str, JsonObject]] = field(default_factory=list)
    users: dict[str, JsonObject] = field(default_factory=dict)
    expanded: dict[str, JsonObject] = field(default_factory=dict)
    missing: int = 0
    """Referenced tweets the API reported as deleted or withheld (``errors``)."""


def _first_line(raw: RawInput) -> Any:
    head = raw.data[: 4 * 1024 * 1024]
    line = head.split(b"\n", 1)[0].decode("utf-8", errors="ignore").lstrip("\ufeff \t\r")
    if not line.startswith("{"):
        return None
    try:
        return json.loads(line)
    except (ValueError, RecursionError):
        return None


def _is_flat_tweet(obj: Any) -> bool:
    return isinstance(obj, dict) and "data" not in obj and {"id", "text", "author_id"} <= obj.keys()


def sniff_flat(raw: RawInput) -> bool:
    """JSON Lines whose first line is one tweet with ``id``, ``text``, ``author_id`` and no ``data``."""
    return _is_flat_tweet(_first_line(raw))


def sniff_v2(raw: RawInput) -> bool:
    """An object with ``data`` holding tweets (``author_id``, ``edit_history_tweet_ids``...)."""
    first = _first_line(raw)
    if isinstance(first, dict):
        return "data" in first and any(k.strip('"') in json.dumps(first["data"])[:65536] for k in _TWITTER_KEYS)
    head = head_text(raw.data)[:16384]
    return (
        head.startswith("{")
        and re.search(r'"data"\s*:\s*[\[{]', head) is not None
        and any(k in head for k in _TWITTER_KEYS)
        and '"created_time"' not in head
    )


def _pages(raw: RawInput) -> list[tuple[str, JsonObject]]:
    text = raw.text().lstrip("\ufeff")
    first = text.split("\n", 1)[0].strip()
    if first.startswith("{") and first.endswith("}"):
        try:
            json.loads(first)
        except (ValueError, RecursionError):
            pass
        else:
            return [(label, expect_dict(page, raw.path, label)) for label, page in json_lines(text, raw.path)]
    return [("page 1", expect_dict(parse_json_text(text, raw.path), raw.path, None))]


def _collect_page(page: JsonObject, label: str, path: str, batch: _Batch) -> None:
    data = page.get("data")
    if data is None:
        if "errors" not in page:
            require(page, "data", path, label)
        data = []
    for number, tweet in enumerate(data if isinstance(data, list) else [data], start=1):
        batch.tweets.append((f"{label} tweet {number}", expect_dict(tweet, path, f"{label} tweet {number}")))
    includes = expect_dict(page.get("includes", {}), path, label, "includes")
    for user in expect_list(includes.get("users", []), path, label, "includes.users"):
        if isinstance(user, dict) and as_id(user.get("id")):
            batch.users[str(user["id"])] = user
    for tweet in expect_list(includes.get("tweets", []), path, label, "includes.tweets"):
        if isinstance(tweet, dict) and as_id(tweet.get("id")):
            batch.expanded[str(tweet["id"])] = tweet
    errors = page.get("errors")
    if isinstance(errors, list):
        batch.missing += sum(1 for e in errors if isinstance(e, dict) and e.get("resource_type") == "tweet")


def _collect_flat(lines: Iterable[tuple[str, Any]], path: str, batch: _Batch) -> None:
    for label, tweet in lines:
        tweet = expect_dict(tweet, path, label)
        if "data" in tweet:
            raise InputError(path, "a raw API page in a flattened file: use --format x-api-v2", record=label)
        batch.tweets.append((label, tweet))
        _inline_user(tweet, batch)
        refs = tweet.get("referenced_tweets")
        for ref in refs if isinstance(refs, list) else []:
            if isinstance(ref, dict) and as_id(ref.get("id")) and "created_at" in ref:
                batch.expanded.setdefault(str(ref["id"]), ref)
                _inline_user(ref, batch)


def _inline_user(tweet: JsonObject, batch: _Batch) -> None:
    author = tweet.get("author")
    if isinstance(author, dict) and as_id(author.get("id")):
        batch.users.setdefault(str(author["id"]), author)


def _references(tweet: JsonObject, path: str, record: str) -> dict[str, str]:
    refs: dict[str, str] = {}
    for ref in expect_list(tweet.get("referenced_tweets") or [], path, record, "referenced_tweets"):
        if isinstance(ref, dict) and isinstance(ref.get("type"), str) and as_id(ref.get("id")):
            refs.setdefault(ref["type"], str(ref["id"]))
    return refs


def _post(tweet: JsonObject, record: str, path: str, batch: _Batch, builder: ThreadBuilder) -> Post | None:
    refs = _references(tweet, path, record)
    if "retweeted" in refs:
        builder.skip(RETWEET_SKIP)
        return None
    post_id = require_id(tweet, ("id",), path, record)
    author_id = str(require(tweet, "author_id", path, record))
    user = batch.users.get(author_id, {})
    handle = optional_str(user.get("username"))
    if handle is None:
        builder.repair("author's username not in the export: shown by user id")
    note = tweet.get("note_tweet")
    text = note.get("text") if isinstance(note, dict) and isinstance(note.get("text"), str) else tweet.get("text")
    found = tweet.get("public_metrics")
    metrics: JsonObject = found if isinstance(found, dict) else {}
    parent = refs.get("replied_to")
    quoted = refs.get("quoted")
    return Post(
        id=post_id,
        parent_id=parent,
        author=handle or author_id,
        author_name=optional_str(user.get("name")),
        created_at=builder.timestamp(require(tweet, "created_at", path, record), record, "created_at"),
        text=clean_text(text),
        platform="twitter",
        kind="reply" if parent else ("quote" if quoted else "post"),
        likes=as_int(metrics.get("like_count")),
        shares=as_int(metrics.get("retweet_count")),
        url=f"https://twitter.com/{handle or 'i/web'}/status/{post_id}",
        conversation_id=as_id(tweet.get("conversation_id")),
        quoted_id=quoted,
    )


def _build(batch: _Batch, builder: ThreadBuilder, path: str) -> Collection:
    for record, tweet in batch.tweets:
        builder.record()
        post = _post(tweet, record, path, batch, builder)
        if post is not None:
            builder.add(post)
    added = 0
    for post in list(builder.posts):
        parent = post.parent_id
        if parent and not builder.has(parent) and parent in batch.expanded:
            extra = _post(batch.expanded[parent], f"expansion {parent}", path, batch, builder)
            if extra is not None:
                builder.record()
                builder.add(extra)
                added += 1
    if added:
        builder.note(EXPANSION_NOTE.format(added))
    if batch.missing:
        builder.stub(batch.missing)
    return builder.build(split_by=lambda p: p.conversation_id)


def parse_v2(raw: RawInput, options: LoadOptions) -> Collection:
    """Parse X API v2 response pages: one thread per conversation."""
    builder = ThreadBuilder(raw, V2, options)
    batch = _Batch()
    for label, page in _pages(raw):
        _collect_page(page, label, raw.path, batch)
    return _build(batch, builder, raw.path)


def parse_flat(raw: RawInput, options: LoadOptions) -> Collection:
    """Parse twarc2's flattened JSON Lines: one thread per conversation."""
    builder = ThreadBuilder(raw, FLAT, options)
    batch = _Batch()
    _collect_flat(json_lines(raw.text().lstrip("\ufeff"), raw.path), raw.path, batch)
    return _build(batch, builder, raw.path)


FORMATS = [
    FormatSpec(
        name=V2,
        description="X API v2 JSON response pages (one page, or twarc2's raw JSON Lines of pages)",
        identifies='an object with "data" tweets (author_id, conversation_id...) and "includes"',
        sniff=sniff_v2,
        parse=parse_v2,
    ),
    FormatSpec(
        name=FLAT,
        description="twarc2 flattened JSON Lines: one X API v2 tweet per line, expansions inlined",
        identifies="JSON Lines whose first line is a tweet with id, text, author_id (no data)",
        sniff=sniff_flat,
        parse=parse_flat,
    ),
]
