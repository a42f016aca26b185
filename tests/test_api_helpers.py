from __future__ import annotations

import json

import pytest

from postmortem import api
from postmortem.errors import UsageError
from tests.conftest import DATA


def test_frames_and_render(small_analysis) -> None:
    audit = api.audit_frame(small_analysis)
    assert audit["post_id"].tolist() == ["3", "5"]
    assert "apology" in audit.loc[0, "flags"]
    complainants = api.complainants_frame(small_analysis)
    assert complainants["author"].tolist() == ["alice", "carol"]
    assert api.conversations_frame(small_analysis).empty
    doc = json.loads(api.render(small_analysis, "json"))
    assert doc["response"]["first_response_s"] == 5400
    assert api.render(small_analysis, "md").startswith(b"# ")
    with pytest.raises(UsageError):
        api.render(small_analysis, "docx")


def test_load_collection_keeps_every_conversation() -> None:
    collection = api.load_collection(DATA / "generic" / "small.csv")
    assert len(collection.threads) == 1 and collection.posts == 6
