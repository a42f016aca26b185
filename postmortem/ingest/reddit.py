"""Reddit comment pages: the JSON of ``https://www.reddit.com/comments/<id>.json``.

Two Listings: the first holds the post (``t3``), the second the comments (``t1``) with
nested ``replies`` Listings and ``more`` stubs (comments the page did not load). A folder
of such pages (e.g. ``<id>/raw.json`` per thread) loads as one thread per page.
"""

from __future__ import annotations

import re
from typing import Any

from postmortem.errors import InputError
from postmortem.ingest.common import (
    FormatSpec,
    JsonObject,
    LoadOptions,
    RawInput,
    ThreadBuilder,
    as_int,
    clean_text,
    decode_bytes,
    expect_dict,
    expect_list,
    head_text,
    member_path,
    optional_str,
    parse_json_text,
    require,
    require_id,
)
from postmortem.model import Collection, Post

NAME = "reddit"
DELETED = ("[deleted]", "[removed]")
_HEAD = re.compile(r'^\[\s*\{\s*"kind"\s*:\s*"Listing"')
MAX_DEPTH = 500


def _is_page(data: bytes) -> bool:
    head = head_text(data, 8192)
    return bool(_HEAD.match(head)) and '"t3"' in head


def sniff(raw: RawInput) -> bool:
    """A JSON array starting with a Listing that holds a ``t3`` post (or a folder of them)."""
    if raw.members:
        return any(name.endswith(".json") and _is_page(data) for name, data in raw.members.items())
    return _is_page(raw.data)


def _strip_prefix(fullname: object) -> str | None:
    text = optional_str(fullname)
    if text is None:
        return None
    return text.split("_", 1)[1] if re.match(r"^t\d_", text) else text


def _children(listing: Any, path: str, record: str) -> list[Any]:
    listing = expect_dict(listing, path, record)
    data = expect_dict(require(listing, "data", path, record), path, record, "data")
    return expect_list(data.get("children", []), path, record, "data.children")


def _post(data: JsonObject, path: str, record: str, thread_id: str, builder: ThreadBuilder) -> Post:
    post_id = require_id(data, ("id",), path, record)
    is_root = "title" in data and "body" not in data
    if is_root:
        body = str(data.get("selftext") or "")
        text = str(data["title"]) + (f"\n\n{body}" if body and body not in DELETED else "")
    else:
        text = str(data.get("body") if data.get("body") is not None else "")
    if text.strip() in DELETED:
        builder.stub()
    permalink = optional_str(data.get("permalink"))
    return Post(
        id=post_id,
        parent_id=None if is_root else _strip_prefix(require(data, "parent_id", path, record)),
        author=str(data.get("author") or "[deleted]"),
        created_at=builder.timestamp(require(data, "created_utc", path, record), record, "created_utc"),
        text=clean_text(text),
        platform="reddit",
        kind="post" if is_root else "reply",
        likes=as_int(data.get("score")),
        url=f"https://www.reddit.com{permalink}" if permalink and permalink.startswith("/") else permalink,
        conversation_id=thread_id,
    )


def _walk(children: list[Any], path: str, record: str, thread_id: str, depth: int, builder: ThreadBuilder) -> None:
    if depth > MAX_DEPTH:
        raise InputError(path, f"comments nested more than {MAX_DEPTH} deep", record=record)
    for number, child in enumerate(children, start=1):
        label = f"{record}.{number}"
        child = expect_dict(child, path, label)
        kind = child.get("kind")
        data = expect_dict(require(child, "data", path, label), path, label, "data")
        builder.record()
        if kind == "more":
            hidden = data.get("children")
            count = max(as_int(data.get("count")) or 0, len(hidden) if isinstance(hidden, list) else 0, 1)
            builder.stub(count)
            builder.note("'load more comments' links on the page: those comments are not in the export")
            continue
        if kind != "t1":
            builder.skip(f"not a comment (kind {kind!r})")
            continue
        builder.add(_post(data, path, label, thread_id, builder))
        replies = data.get("replies")
        if replies:
            _walk(_children(replies, path, f"{label} replies"), path, label, thread_id, depth + 1, builder)


def _page(document: Any, path: str, builder: ThreadBuilder) -> str:
    """Add one page's post and comments; return the post's title."""
    listings = expect_list(document, path, None)
    if len(listings) != 2:
        raise InputError(path, f"expected two Listings (post, comments), got {len(listings)} items")
    posts = _children(listings[0], path, "listing 1")
    if not posts:
        raise InputError(path, "the first Listing holds no post", record="listing 1")
    root = expect_dict(posts[0], path, "listing 1 child 1")
    data = expect_dict(require(root, "data", path, "post"), path, "post", "data")
    builder.record()
    post = _post(data, path, "post", require_id(data, ("id",), path, "post"), builder)
    builder.add(post)
    _walk(_children(listings[1], path, "listing 2"), path, "comment", post.id, 0, builder)
    return str(data.get("title") or "")


def parse(raw: RawInput, options: LoadOptions) -> Collection:
    """Parse one comment page (one thread) or a folder of pages (one thread each)."""
    builder = ThreadBuilder(raw, NAME, options)
    if raw.members:
        pages = [
            (member_path(raw, n), d) for n, d in sorted(raw.members.items()) if n.endswith(".json") and _is_page(d)
        ]
    else:
        pages = [(raw.path, raw.data)]
    titles = [_page(parse_json_text(decode_bytes(data, path), path), path, builder) for path, data in pages]
    deleted = sum(1 for p in builder.posts if p.text.strip() in DELETED)
    if deleted:
        builder.note(
            f"{deleted} deleted or removed comments kept as '[deleted]' placeholders (their replies stay attached)"
        )
    if len(pages) == 1:
        return builder.build(title=titles[0] or None)
    return builder.build(split_by=lambda p: p.conversation_id)


FORMATS = [
    FormatSpec(
        name=NAME,
        description="Reddit comment page JSON (/comments/<id>.json), or a folder of such pages",
        identifies='a JSON array of two Listings, the first holding a "t3" post',
        sniff=sniff,
        parse=parse,
        folders=True,
    )
]
