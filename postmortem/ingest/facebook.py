"""Facebook: "Download Your Information" JSON files and Graph API JSON.

DYI files hold one person's (or page's) own posts or comments, with non-ASCII text
written as mojibake (UTF-8 bytes escaped as Latin-1 code points), repaired here. Graph
API responses hold a page feed or one post with nested ``comments``.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
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
    expect_dict,
    expect_list,
    fix_mojibake,
    head_text,
    member_path,
    optional_str,
    parse_json_text,
    require,
    require_id,
)
from postmortem.model import Collection, Post

DYI = "facebook-dyi"
GRAPH = "facebook-graph"
MOJIBAKE = "mojibake (UTF-8 written as Latin-1) repaired"
NO_TEXT = "no text of its own (check-in, photo, recommendation or update marker)"
OWNER = "me"
_DYI_KEYS = ("comments_v2", "comments", "status_updates_v2", "status_updates", "posts_v2", "posts")
_DYI_MEMBER = re.compile(r"(?:^|/)(?:your_posts[^/]*|comments[^/]*|your_comments[^/]*)\.json$")
_TITLE_VERBS = (
    "updated|wrote|recommends|shared|posted|added|was|is|commented|replied|created|changed|"
    "reviewed|checked|feels|likes|uploaded|published"
)
_TITLE_AUTHOR = re.compile(rf"^(.+?)\s+(?:{_TITLE_VERBS})\b")


# --- Download Your Information ---------------------------------------------------------


def _dyi_head(text: str) -> bool:
    window = text[:4096]
    if window.startswith("["):
        return '"timestamp"' in window and ('"data"' in window or '"attachments"' in window) and '"id"' not in window
    if window.startswith("{"):
        return any(re.match(rf'\{{\s*"{key}"\s*:\s*\[', window) for key in _DYI_KEYS) and '"timestamp"' in window
    return False


def sniff_dyi(raw: RawInput) -> bool:
    """A list of ``{timestamp, data: [{post}]}`` entries, or ``{"comments_v2": [...]}``; or a folder of them."""
    if raw.members:
        return any(_DYI_MEMBER.search(name) and _dyi_head(head_text(data)) for name, data in raw.members.items())
    return _dyi_head(head_text(raw.data))


def _dyi_entries(document: Any, path: str) -> list[Any]:
    if isinstance(document, list):
        return document
    if isinstance(document, dict):
        for key in _DYI_KEYS:
            if isinstance(document.get(key), list):
                return list(document[key])
    raise InputError(path, f"expected a list of entries or an object with one of {', '.join(_DYI_KEYS)}")


def _fixed(text: str, builder: ThreadBuilder) -> tuple[str, bool]:
    repaired = fix_mojibake(text)
    return repaired, repaired != text


def _owner(entries: list[Any]) -> str | None:
    """The account's name as the entry titles give it ("Ana Núñez updated her status.")."""
    names: Counter[str] = Counter()
    for entry in entries:
        title = entry.get("title") if isinstance(entry, dict) else None
        if isinstance(title, str):
            match = _TITLE_AUTHOR.match(fix_mojibake(title).strip())
            if match:
                names[re.sub(r"\s+", " ", match.group(1))] += 1
    return names.most_common(1)[0][0] if names else None


def _entry_text(entry: JsonObject, path: str, record: str) -> tuple[str, str | None, object]:
    """(text, comment author, timestamp) from an entry's ``data`` list."""
    data = expect_list(entry.get("data", []), path, record, "data")
    for item in data:
        if not isinstance(item, dict):
            continue
        if isinstance(item.get("post"), str) and item["post"].strip():
            return item["post"], None, entry.get("timestamp")
        comment = item.get("comment")
        if isinstance(comment, dict) and isinstance(comment.get("comment"), str):
            stamp = comment.get("timestamp", entry.get("timestamp"))
            return comment["comment"], optional_str(comment.get("author")), stamp
    return "", None, entry.get("timestamp")


def _dyi_post(entry: JsonObject, path: str, record: str, owner: str, builder: ThreadBuilder) -> Post | None:
    text, comment_author, stamp = _entry_text(entry, path, record)
    if not text.strip():
        builder.skip(NO_TEXT)
        return None
    if stamp is None:
        require(entry, "timestamp", path, record)
    created_at = builder.timestamp(stamp, record, "timestamp")
    text, text_fixed = _fixed(text, builder)
    author = owner
    if comment_author:
        author, author_fixed = _fixed(comment_author, builder)
        text_fixed = text_fixed or author_fixed
    if text_fixed:
        builder.repair(MOJIBAKE)
    # "surrogatepass": a lone surrogate (JSON "\\ud800") must not crash the id; the builder replaces it.
    digest = hashlib.sha1(f"{author}\0{text}".encode("utf-8", "surrogatepass")).hexdigest()[:10]
    return Post(
        id=f"{int(created_at.timestamp())}-{digest}",
        parent_id=None,
        author=author,
        author_name=author if author != OWNER else None,
        created_at=created_at,
        text=clean_text(text),
        platform="facebook",
        kind="comment" if comment_author is not None or "comment" in str(entry.get("title", "")) else "post",
    )


def _dyi_documents(raw: RawInput) -> list[tuple[str, str]]:
    if not raw.members:
        return [(raw.path, raw.text())]
    from postmortem.ingest.common import decode_bytes

    out = []
    for name, data in sorted(raw.members.items()):
        if _DYI_MEMBER.search(name) and _dyi_head(head_text(data)):
            out.append((member_path(raw, name), decode_bytes(data, member_path(raw, name))))
    return out


def parse_dyi(raw: RawInput, options: LoadOptions) -> Collection:
    """Parse DYI posts/comments files: one thread of the account's own posts and comments."""
    builder = ThreadBuilder(raw, DYI, options)
    documents = [(path, _dyi_entries(parse_json_text(text, path), path)) for path, text in _dyi_documents(raw)]
    owner = _owner([e for _, entries in documents for e in entries]) or OWNER
    if owner == OWNER:
        builder.note("the export does not name its owner: their posts are shown as 'me'")
    for path, entries in documents:
        for number, entry in enumerate(entries, start=1):
            record = f"record {number}"
            builder.record()
            post = _dyi_post(expect_dict(entry, path, record), path, record, owner, builder)
            if post is not None:
                builder.add(post)
    if any(p.kind == "comment" for p in builder.posts):
        builder.note("DYI comment files do not say which post a comment answers: each comment stands alone")
    return builder.build()


# --- Graph API ---------------------------------------------------------------------------

_GRAPH_HEAD = re.compile(r'"created_time"\s*:\s*"\d{4}-\d\d-\d\dT')


def sniff_graph(raw: RawInput) -> bool:
    """An object with ``data`` (or a single post) whose records carry ``created_time``."""
    head = head_text(raw.data)
    return head.startswith("{") and bool(_GRAPH_HEAD.search(head[:16384])) and '"author_id"' not in head[:16384]


def _is_comment(item: JsonObject) -> bool:
    """Items of a comments edge (``GET /{post-id}/comments``) rather than of a feed."""
    return "parent" in item or "comment_count" in item or "like_count" in item or "can_reply_privately" in item


def _count(item: JsonObject, key: str) -> int | None:
    value = item.get(key)
    if isinstance(value, dict):
        summary = value.get("summary")
        if isinstance(summary, dict):
            return as_int(summary.get("total_count"))
        return as_int(value.get("count"))
    return as_int(value)


def _graph_post(
    item: JsonObject, path: str, record: str, parent: str | None, kind: str, builder: ThreadBuilder
) -> Post:
    post_id = require_id(item, ("id",), path, record)
    author_obj = item.get("from")
    if isinstance(author_obj, dict) and (author_obj.get("name") or author_obj.get("id")):
        author_name = optional_str(author_obj.get("name"))
        author = author_name or str(author_obj.get("id"))
    else:
        builder.repair("author hidden by the Graph API (no 'from'): shown as 'unknown'")
        author, author_name = "unknown", None
    text = item.get("message")
    if not isinstance(text, str):
        text = item.get("story") if isinstance(item.get("story"), str) else ""
    created_at = builder.timestamp(require(item, "created_time", path, record), record, "created_time")
    likes = _count(item, "reactions")
    if likes is None:
        likes = _count(item, "likes") if "likes" in item else as_int(item.get("like_count"))
    parent_obj = item.get("parent")
    if parent is None and isinstance(parent_obj, dict) and parent_obj.get("id"):
        parent = str(parent_obj["id"])
    return Post(
        id=post_id,
        parent_id=parent,
        author=author,
        author_name=author_name,
        created_at=created_at,
        text=clean_text(text),
        platform="facebook",
        kind=kind if parent is not None or kind == "post" else "comment",
        likes=likes,
        shares=_count(item, "shares"),
        url=optional_str(item.get("permalink_url")),
    )


def _graph_comments(
    item: JsonObject, path: str, record: str, parent_id: str, depth: int, builder: ThreadBuilder
) -> None:
    edge = item.get("comments")
    if edge is None:
        return
    edge = expect_dict(edge, path, record, "comments")
    comments = expect_list(edge.get("data", []), path, record, "comments.data")
    total = _count(item, "comments")
    if total is not None and total > len(comments):
        builder.stub(total - len(comments))
    if isinstance(edge.get("paging"), dict) and edge["paging"].get("next"):
        builder.note("some comment pages were not fetched (paging.next present)")
    for number, comment in enumerate(comments, start=1):
        label = f"{record} comment {number}"
        comment = expect_dict(comment, path, label)
        builder.record()
        post = _graph_post(comment, path, label, parent_id, "comment" if depth == 0 else "reply", builder)
        builder.add(post)
        _graph_comments(comment, path, label, post.id, depth + 1, builder)


def parse_graph(raw: RawInput, options: LoadOptions) -> Collection:
    """Parse a Graph API feed, post or comments response: posts and their nested comments."""
    builder = ThreadBuilder(raw, GRAPH, options)
    document = expect_dict(parse_json_text(raw.text(), raw.path), raw.path, None)
    if "data" in document:
        items = expect_list(document["data"], raw.path, None, "data")
        if isinstance(document.get("paging"), dict) and document["paging"].get("next"):
            builder.note("more pages exist that were not fetched (paging.next present)")
    else:
        items = [document]
    title = None
    for number, item in enumerate(items, start=1):
        record = f"record {number}"
        item = expect_dict(item, raw.path, record)
        builder.record()
        kind = "comment" if _is_comment(item) else "post"
        post = _graph_post(item, raw.path, record, None, kind, builder)
        builder.add(post)
        title = title or (post.text.split("\n", 1)[0][:80] if kind == "post" and len(items) == 1 else None)
        _graph_comments(item, raw.path, record, post.id, 0 if kind == "post" else 1, builder)
    return builder.build(title=title)


FORMATS = [
    FormatSpec(
        name=DYI,
        description="Facebook Download Your Information JSON (your posts / comments files, mojibake repaired)",
        identifies='a list of {"timestamp", "data": [{"post"}]} entries, or {"comments_v2": [...]}',
        sniff=sniff_dyi,
        parse=parse_dyi,
        folders=True,
    ),
    FormatSpec(
        name=GRAPH,
        description="Facebook Graph API JSON: a page feed or a post with nested comments",
        identifies='an object with "data" (or one post) whose records have "created_time" and "message"/"from"',
        sniff=sniff_graph,
        parse=parse_graph,
    ),
]
