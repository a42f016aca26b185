"""X/Twitter account archive: ``data/tweets.js`` (or ``tweet.js``), alone or as a whole archive.

The archive holds one account's own tweets, each ``{"tweet": {...}}`` with every number
as a string, behind ``window.YTD.tweets.part0 = ``. Long posts are cut in ``tweets.js``
and kept whole in ``note-tweet.js``. The account's handle comes from ``account.js`` when
the archive holds it, else from the account's replies to its own tweets.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime
from typing import Any

from postmortem.errors import InputError
from postmortem.ingest.common import (
    FormatSpec,
    JsonObject,
    LoadOptions,
    RawInput,
    ThreadBuilder,
    TimestampError,
    decode_bytes,
    expect_dict,
    expect_list,
    head_text,
    member_path,
    parse_json_text,
    parse_timestamp,
)
from postmortem.ingest.tweet_v1 import UNKNOWN_OWNER, status_post
from postmortem.model import Collection, Post

NAME = "x-archive"
OWNER = UNKNOWN_OWNER
_ASSIGNMENT = re.compile(r"^\s*window\.YTD\.(\w+)\.part(\d+)\s*=\s*")
_TWEETS_MEMBER = re.compile(r"(?:^|/)(?:tweets?|tweets-part\d+|tweet-part\d+)\.js$")
_NOTE_MEMBER = re.compile(r"(?:^|/)note-tweet(?:-part\d+)?\.js$")
_ACCOUNT_MEMBER = re.compile(r"(?:^|/)account\.js$")


def _is_tweets_js(data: bytes) -> bool:
    match = _ASSIGNMENT.match(head_text(data, 256))
    return match is not None and match.group(1) in ("tweets", "tweet")


def sniff(raw: RawInput) -> bool:
    """``window.YTD.tweets.part0 = [`` (or ``tweet``), or an archive holding such a file."""
    if raw.members:
        return any(_TWEETS_MEMBER.search(n) and _is_tweets_js(d) for n, d in raw.members.items())
    return _is_tweets_js(raw.data)


def read_ytd(text: str, path: str) -> list[Any]:
    """The array behind ``window.YTD.<name>.partN =`` (trailing ``;`` allowed)."""
    match = _ASSIGNMENT.match(text.lstrip("\ufeff"))
    if not match:
        raise InputError(path, "expected 'window.YTD.<name>.part0 = [' at the start", record="line 1")
    body = text.lstrip("\ufeff")[match.end() :].rstrip().removesuffix(";")
    # Keep error line numbers true to the file: pad with the newlines the prefix held.
    padding = "\n" * text.lstrip("\ufeff")[: match.end()].count("\n")
    return expect_list(parse_json_text(padding + body, path), path, None)


def _unwrap(item: Any, key: str, path: str, record: str) -> JsonObject:
    item = expect_dict(item, path, record)
    inner = item.get(key)
    return expect_dict(inner, path, record, key) if inner is not None else item


def _files(raw: RawInput, pattern: re.Pattern[str]) -> list[tuple[str, str]]:
    if not raw.members:
        return [(raw.path, raw.text())] if pattern is _TWEETS_MEMBER else []
    chosen = sorted(n for n in raw.members if pattern.search(n))
    if pattern is _TWEETS_MEMBER:
        chosen = [n for n in chosen if _is_tweets_js(raw.members[n])]
    return [(member_path(raw, n), decode_bytes(raw.members[n], member_path(raw, n))) for n in chosen]


def _account(raw: RawInput) -> tuple[str | None, str | None]:
    for path, text in _files(raw, _ACCOUNT_MEMBER):
        for number, item in enumerate(read_ytd(text, path), start=1):
            account = _unwrap(item, "account", path, f"record {number}")
            if isinstance(account.get("username"), str):
                name = account.get("accountDisplayName")
                return account["username"], name if isinstance(name, str) else None
    return None, None


def _owner_from_replies(statuses: list[JsonObject]) -> str | None:
    """The handle the account uses when replying to its own tweets (its threads)."""
    ids = {s.get("id_str") for s in statuses if isinstance(s.get("id_str"), str)}
    names = Counter(
        s["in_reply_to_screen_name"]
        for s in statuses
        if isinstance(s.get("in_reply_to_status_id_str"), str)
        and s["in_reply_to_status_id_str"] in ids
        and isinstance(s.get("in_reply_to_screen_name"), str)
    )
    return names.most_common(1)[0][0] if names else None


def _note_texts(raw: RawInput) -> dict[datetime, list[str]]:
    """Long-post texts from note-tweet.js, keyed by creation time (the only link to the tweet)."""
    notes: dict[datetime, list[str]] = {}
    for path, text in _files(raw, _NOTE_MEMBER):
        for number, item in enumerate(read_ytd(text, path), start=1):
            note = _unwrap(item, "noteTweet", path, f"record {number}")
            core = note.get("core")
            body = core.get("text") if isinstance(core, dict) else None
            try:
                created, _ = parse_timestamp(note.get("createdAt"))
            except TimestampError:
                continue
            if isinstance(body, str):
                notes.setdefault(created.replace(microsecond=0), []).append(body)
    return notes


def _with_note(post: Post, notes: dict[datetime, list[str]], builder: ThreadBuilder) -> Post:
    from dataclasses import replace

    from postmortem.ingest.common import clean_text

    stem = re.sub(r"\s*(?:…|\.\.\.)?\s*(?:https://t\.co/\w+)?\s*$", "", post.text)
    for body in notes.get(post.created_at.replace(microsecond=0), []):
        full = clean_text(body)
        if len(full) > len(post.text) and full.startswith(stem[: max(1, len(stem) - 1)]):
            builder.repair("long post text taken from note-tweet.js")
            return replace(post, text=full)
    return post


def parse(raw: RawInput, options: LoadOptions) -> Collection:
    """Parse tweets.js (or a whole archive) into one thread of the account's posts."""
    builder = ThreadBuilder(raw, NAME, options)
    records: list[tuple[str, str, JsonObject]] = []
    for path, text in _files(raw, _TWEETS_MEMBER):
        for number, item in enumerate(read_ytd(text, path), start=1):
            records.append((path, f"record {number}", _unwrap(item, "tweet", path, f"record {number}")))
    owner, owner_name = _account(raw)
    owner = owner or _owner_from_replies([r[2] for r in records])
    if owner is None:
        builder.note("the archive does not name its account: its posts are shown as 'me'")
    notes = _note_texts(raw)
    for path, record, status in records:
        builder.record()
        post = status_post(status, builder, path, record, author=owner or OWNER, author_name=owner_name, archive=True)
        if post is not None:
            builder.add(_with_note(post, notes, builder) if notes else post)
    return builder.build(title=f"@{owner}: archived posts" if owner else None)


FORMATS = [
    FormatSpec(
        name=NAME,
        description="X/Twitter account archive: data/tweets.js (or tweet.js), the data folder or the zip",
        identifies="a file starting 'window.YTD.tweets.part0 = [' (or tweet), or an archive holding one",
        sniff=sniff,
        parse=parse,
        folders=True,
    )
]
