"""PHEME-style thread folders used by research datasets of Twitter conversations.

One folder per conversation: ``<id>/source-tweet/<id>.json`` (PHEME: ``source-tweets``),
``<id>/replies/*.json`` (PHEME: ``reactions``) and ``<id>/structure.json``, the reply
tree as nested objects. A parent folder holding several such folders loads as one thread
per source tweet. Tweets are classic v1.1 statuses; ids are read from ``id_str``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from postmortem.errors import InputError
from postmortem.ingest.common import (
    FormatSpec,
    LoadOptions,
    RawInput,
    ThreadBuilder,
    decode_bytes,
    expect_dict,
    member_path,
    parse_json_text,
)
from postmortem.ingest.tweet_v1 import status_post
from postmortem.model import Collection

NAME = "pheme"
_TWEET = re.compile(r"^(?:(?P<thread>.*)/)?(?P<role>source-tweets?|replies|reactions)/(?P<id>[^/]+)\.json$")
_STRUCTURE = re.compile(r"^(?:(?P<thread>.*)/)?structure\.json$")
MAX_DEPTH = 1000


@dataclass
class _Folder:
    """The files of one conversation folder."""

    sources: list[str] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)
    structure: str | None = None


def sniff(raw: RawInput) -> bool:
    """A folder (or zip) with ``<id>/source-tweet(s)/<id>.json`` members."""
    return any(m and m.group("role").startswith("source") for m in map(_TWEET.match, raw.members))


def _folders(raw: RawInput) -> dict[str, _Folder]:
    folders: dict[str, _Folder] = {}
    for name in sorted(raw.members):
        tweet = _TWEET.match(name)
        if tweet:
            folder = folders.setdefault(tweet.group("thread") or "", _Folder())
            (folder.sources if tweet.group("role").startswith("source") else folder.replies).append(name)
            continue
        structure = _STRUCTURE.match(name)
        if structure:
            folders.setdefault(structure.group("thread") or "", _Folder()).structure = name
    return {key: f for key, f in folders.items() if f.sources}


def _tree_edges(tree: Any, path: str, parent: str | None = None, depth: int = 0) -> Iterator[tuple[str, str | None]]:
    """(id, parent id) for every node of a structure.json tree (a leaf is ``[]``)."""
    if depth > MAX_DEPTH:
        raise InputError(path, f"reply tree nested more than {MAX_DEPTH} deep")
    if isinstance(tree, dict):
        for key, children in tree.items():
            yield str(key), parent
            yield from _tree_edges(children, path, str(key), depth + 1)
    elif tree not in ([], None, ""):
        raise InputError(path, f"expected a nested object or [] in the reply tree, got {type(tree).__name__}")


def _load_folder(raw: RawInput, key: str, folder: _Folder, builder: ThreadBuilder) -> dict[str, str]:
    """Add one conversation's tweets; return post id -> conversation key."""
    tree_parent: dict[str, str | None] = {}
    if folder.structure is not None:
        path = member_path(raw, folder.structure)
        tree_parent = dict(_tree_edges(parse_json_text(decode_bytes(raw.members[folder.structure], path), path), path))
    members: dict[str, str] = {}
    present: set[str] = set()
    for name in folder.sources + folder.replies:
        path = member_path(raw, name)
        builder.record()
        status = expect_dict(parse_json_text(decode_bytes(raw.members[name], path), path), path, None)
        present.add(str(status.get("id_str") or name.rsplit("/", 1)[-1].removesuffix(".json")))
        post = status_post(status, builder, path, "tweet")
        if post is None:
            continue
        if post.parent_id is None and tree_parent.get(post.id):
            builder.repair("parent taken from structure.json")
            post = replace(post, parent_id=tree_parent[post.id], kind="reply")
        conversation = folder.sources[0].rsplit("/", 1)[-1].removesuffix(".json")
        builder.add(replace(post, conversation_id=conversation))
        members[post.id] = conversation
    absent = [node for node in tree_parent if node not in present]
    if absent:
        builder.stub(len(absent))
    return members


def parse(raw: RawInput, options: LoadOptions) -> Collection:
    """Parse one conversation folder, or a folder of them (one thread per source tweet)."""
    builder = ThreadBuilder(raw, NAME, options)
    folders = _folders(raw)
    if not folders:
        raise InputError(raw.path, "no '<id>/source-tweet/<id>.json' file found in this folder")
    for key, folder in folders.items():
        _load_folder(raw, key, folder, builder)
    if builder.stubs:
        builder.note("tweets listed in structure.json but missing from the folder are counted as not exported")
    return builder.build(split_by=lambda p: p.conversation_id)


FORMATS = [
    FormatSpec(
        name=NAME,
        description="PHEME / RumourEval conversation folders: source-tweet/, replies/, structure.json",
        identifies="a folder or zip with <id>/source-tweet/<id>.json (PHEME: source-tweets/, reactions/)",
        sniff=sniff,
        parse=parse,
        folders=True,
    )
]
