"""Classic Twitter v1.1 status objects (account archives, PHEME-style research threads).

Shared by :mod:`postmortem.ingest.x_archive` and :mod:`postmortem.ingest.pheme`: one
status becomes one :class:`~postmortem.model.Post`, or None when it is a pure retweet.
"""

from __future__ import annotations

import re
from typing import Any

from postmortem.ingest.common import (
    ThreadBuilder,
    as_id,
    as_int,
    clean_text,
    expect_dict,
    optional_str,
    require,
    require_id,
)
from postmortem.model import Post

RETWEET_SKIP = "retweet/boost (no text of its own)"
UNKNOWN_OWNER = "me"
"""Author shown for an archive that does not name its account."""
_STATUS_URL = re.compile(r"https?://(?:mobile\.)?(?:twitter|x)\.com/\w+/status(?:es)?/(\d+)", re.IGNORECASE)


def is_retweet(status: dict[str, Any], *, by_text: bool) -> bool:
    """True for a pure retweet: the API marks it with ``retweeted_status``.

    Archives have no such field: there (``by_text``) a non-reply whose text starts with
    ``RT @`` is a retweet. In API data such a text is a hand-made quote and is kept.
    """
    if isinstance(status.get("retweeted_status"), dict):
        return True
    if not by_text or status.get("in_reply_to_status_id_str"):
        return False
    text = status.get("full_text") or status.get("text") or ""
    return isinstance(text, str) and text.startswith("RT @")


def quoted_id(status: dict[str, Any], text: str) -> str | None:
    """The id of the quoted tweet: from the API fields, or a status link ending the text (archives)."""
    explicit = as_id(status.get("quoted_status_id_str"))
    if explicit:
        return explicit
    entities = status.get("entities")
    urls = entities.get("urls") if isinstance(entities, dict) else None
    if not isinstance(urls, list) or not urls:
        return None
    last = urls[-1]
    if not isinstance(last, dict):
        return None
    match = _STATUS_URL.match(str(last.get("expanded_url") or ""))
    short = str(last.get("url") or "")
    if match and short and text.rstrip().endswith(short):
        return match.group(1)
    return None


def status_post(
    status: dict[str, Any],
    builder: ThreadBuilder,
    path: str,
    record: str,
    *,
    author: str | None = None,
    author_name: str | None = None,
    archive: bool = False,
) -> Post | None:
    """One v1.1 status as a Post (author from ``user`` unless given); None for retweets.

    ``archive``: the status comes from an account archive (retweets known by their text).
    """
    if is_retweet(status, by_text=archive):
        builder.skip(RETWEET_SKIP)
        return None
    post_id = require_id(status, ("id_str", "id"), path, record)
    if author is None:
        user = expect_dict(require(status, "user", path, record), path, record, "user")
        author = str(require(user, "screen_name", path, record))
        author_name = optional_str(user.get("name"))
    created_at = builder.timestamp(require(status, "created_at", path, record), record, "created_at")
    raw_text = status.get("full_text") if status.get("full_text") is not None else status.get("text")
    text = clean_text(raw_text)
    parent = as_id(status.get("in_reply_to_status_id_str")) or as_id(status.get("in_reply_to_status_id"))
    quote = None if parent else quoted_id(status, text)
    kind = "reply" if parent else ("quote" if quote else "post")
    return Post(
        id=post_id,
        parent_id=parent,
        author=author,
        author_name=author_name,
        created_at=created_at,
        text=text,
        platform="twitter",
        kind=kind,
        likes=as_int(status.get("favorite_count")),
        shares=as_int(status.get("retweet_count")),
        url=f"https://twitter.com/{author if author != UNKNOWN_OWNER else 'i/web'}/status/{post_id}",
        quoted_id=quote,
    )
