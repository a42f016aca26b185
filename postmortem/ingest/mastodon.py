"""Mastodon: the API's status context JSON and the account archive's ActivityPub outbox.

``GET /api/v1/statuses/:id/context`` returns ``{"ancestors": [...], "descendants": [...]}``
of Status objects; add the status itself under ``"status"`` to keep it. The archive's
``outbox.json`` is an OrderedCollection of ``Create`` (a Note) and ``Announce`` (a boost)
activities; threads are grouped by the Note's ``conversation``. HTML ``content`` becomes
plain text.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any
from urllib.parse import urlparse

from postmortem.ingest.common import (
    FormatSpec,
    JsonObject,
    LoadOptions,
    RawInput,
    ThreadBuilder,
    as_id,
    as_int,
    expect_dict,
    expect_list,
    head_text,
    html_to_text,
    optional_str,
    parse_json_text,
    require,
    require_id,
)
from postmortem.ingest.tweet_v1 import RETWEET_SKIP
from postmortem.model import Collection, Post

CONTEXT = "mastodon-context"
OUTBOX = "mastodon-outbox"
NOTE_TYPES = ("Note", "Question", "Article", "Page")


# --- status context (REST API) -----------------------------------------------------------


def sniff_context(raw: RawInput) -> bool:
    """An object with ``ancestors`` and ``descendants`` lists."""
    head = head_text(raw.data)
    return head.startswith("{") and re.search(r'"ancestors"\s*:\s*\[', head) is not None and '"descendants"' in head


def _text(status: JsonObject) -> str:
    content = html_to_text(str(status.get("content") or ""))
    warning = optional_str(status.get("spoiler_text"))
    return f"[CW: {warning}] {content}" if warning else content


def _status_post(status: JsonObject, path: str, record: str, builder: ThreadBuilder) -> Post | None:
    if isinstance(status.get("reblog"), dict):
        builder.skip(RETWEET_SKIP)
        return None
    account = expect_dict(require(status, "account", path, record), path, record, "account")
    handle = str(require(account, "acct", path, record))
    return Post(
        id=require_id(status, ("id",), path, record),
        parent_id=as_id(status.get("in_reply_to_id")),
        author=handle,
        author_name=optional_str(account.get("display_name")),
        created_at=builder.timestamp(require(status, "created_at", path, record), record, "created_at"),
        text=_text(status),
        platform="mastodon",
        kind="reply" if status.get("in_reply_to_id") else "post",
        likes=as_int(status.get("favourites_count")),
        shares=as_int(status.get("reblogs_count")),
        url=optional_str(status.get("url")) or optional_str(status.get("uri")),
    )


def parse_context(raw: RawInput, options: LoadOptions) -> Collection:
    """Parse a status context (optionally with ``status``) into one thread."""
    builder = ThreadBuilder(raw, CONTEXT, options)
    document = expect_dict(parse_json_text(raw.text(), raw.path), raw.path, None)
    statuses: list[tuple[str, Any]] = []
    for key in ("ancestors", "status", "descendants"):
        value = document.get(key)
        if key == "status":
            if value is not None:
                statuses.append(("status", value))
            continue
        for number, item in enumerate(expect_list(require(document, key, raw.path, None), raw.path, None, key), 1):
            statuses.append((f"{key} {number}", item))
    if document.get("status") is None:
        builder.note('the status itself is not in the file (only its context): add it as "status" to keep it')
    for record, item in statuses:
        builder.record()
        post = _status_post(expect_dict(item, raw.path, record), raw.path, record, builder)
        if post is not None:
            builder.add(post)
    return builder.build()


# --- ActivityPub outbox (account archive) ------------------------------------------------


def sniff_outbox(raw: RawInput) -> bool:
    """An ActivityStreams ``OrderedCollection`` with ``orderedItems``."""
    head = head_text(raw.data)[:16384]
    return head.startswith("{") and '"OrderedCollection' in head and '"orderedItems"' in head


def _merge_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """JSON object hook: a repeated key whose values are lists keeps all their items.

    The archive writes ``orderedItems`` twice (the first empty); plain ``json`` would keep
    only the last, silently dropping anything in the first.
    """
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out and isinstance(out[key], list) and isinstance(value, list):
            out[key] = out[key] + value
        else:
            out[key] = value
    return out


def _handle(actor: str) -> str:
    """``https://host/users/name`` -> ``name@host`` (the acct form)."""
    try:
        parsed = urlparse(actor)
    except ValueError:  # e.g. "https://[bad/users/x": an unparsable host is shown as written
        return actor
    name = parsed.path.rstrip("/").rsplit("/", 1)[-1].lstrip("@")
    return f"{name}@{parsed.netloc}" if parsed.netloc and name else actor


def _note_post(note: JsonObject, path: str, record: str, builder: ThreadBuilder) -> Post:
    attributed = note.get("attributedTo")
    actor = attributed if isinstance(attributed, str) else str(require(note, "attributedTo", path, record))
    parent = optional_str(note.get("inReplyTo"))
    summary = optional_str(note.get("summary"))
    content = html_to_text(str(note.get("content") or ""))
    return Post(
        id=require_id(note, ("id",), path, record),
        parent_id=parent,
        author=_handle(actor),
        created_at=builder.timestamp(require(note, "published", path, record), record, "published"),
        text=f"[CW: {summary}] {content}" if summary else content,
        platform="mastodon",
        kind="reply" if parent else "post",
        url=optional_str(note.get("url")),
        conversation_id=optional_str(note.get("conversation")),
    )


def _activity(item: Any, path: str, record: str, builder: ThreadBuilder) -> None:
    item = expect_dict(item, path, record)
    kind = item.get("type")
    builder.record()
    if kind == "Announce":
        builder.skip(RETWEET_SKIP)
        return
    if kind != "Create":
        builder.skip(f"activity of type {kind!r} (not a post)")
        return
    note = require(item, "object", path, record)
    if isinstance(note, str):
        builder.skip("post not included in the archive (object is only a link)")
        return
    note = expect_dict(note, path, record, "object")
    if note.get("type") == "Tombstone":
        builder.stub()
        return
    if note.get("type") not in NOTE_TYPES:
        builder.skip(f"object of type {note.get('type')!r} (not a post)")
        return
    builder.add(_note_post(note, path, record, builder))


def parse_outbox(raw: RawInput, options: LoadOptions) -> Collection:
    """Parse outbox.json: the account's posts, one thread per conversation; boosts skipped."""
    builder = ThreadBuilder(raw, OUTBOX, options)
    text = raw.text()
    repeated = Counter(re.findall(r'"orderedItems"\s*:', text[:1_000_000]))
    try:
        document = json.loads(text, object_pairs_hook=_merge_duplicate_keys)
    except (ValueError, RecursionError):
        document = parse_json_text(text, raw.path)  # raises the located error
    document = expect_dict(document, raw.path, None)
    if sum(repeated.values()) > 1:
        builder.note("'orderedItems' appears more than once in the file: the items of every copy were read")
    items = expect_list(require(document, "orderedItems", raw.path, None), raw.path, None, "orderedItems")
    for number, item in enumerate(items, start=1):
        _activity(item, raw.path, f"item {number}", builder)
    total = as_int(document.get("totalItems"))
    if total is not None and total != len(items):
        builder.note(f"the file says it holds {total} items but lists {len(items)}")
    return builder.build(split_by=lambda p: p.conversation_id)


FORMATS = [
    FormatSpec(
        name=CONTEXT,
        description="Mastodon API status context JSON (ancestors/descendants, optionally the status)",
        identifies='an object with "ancestors" and "descendants" lists of statuses',
        sniff=sniff_context,
        parse=parse_context,
    ),
    FormatSpec(
        name=OUTBOX,
        description="Mastodon account archive outbox.json (ActivityPub Create/Announce items)",
        identifies='an ActivityStreams "OrderedCollection" with "orderedItems"',
        sniff=sniff_outbox,
        parse=parse_outbox,
    ),
]
