from __future__ import annotations

import json

import pytest

from postmortem import api
from postmortem.errors import UsageError
from tests.conftest import DATA, benchmark_generator


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


def test_a_scorer_made_first_scores_the_texts_while_the_file_is_read(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """report makes its sentiment scorer before loading, hands its prefetch to the loader and
    the scorer to analyse(): the same analysis as one that makes its own."""
    import multiprocessing

    from postmortem.analysis import fast_vader
    from postmortem.lessons.audit import audit_to_dict

    write_csv = benchmark_generator().write_csv
    path = write_csv(tmp_path / "thread.csv", 1500, seed=2)
    alone = api.analyse(api.load_thread(path), company=["AcmeAir"])
    monkeypatch.setattr(fast_vader, "PREFETCH_CHUNK", 100)
    scorer = api.sentiment_scorer("vader+cs")
    sent: list[int] = []
    prefetch = scorer.prefetch
    thread = api.load_thread(path, texts_read=lambda texts: sent.append(len(texts)) or prefetch(texts))
    assert sent == [1500]  # one block
    assert bool(multiprocessing.active_children()) == (scorer.workers > 1)
    together = api.analyse(thread, company=["AcmeAir"], scorer=scorer)
    assert not multiprocessing.active_children()
    assert together.posts.equals(alone.posts)
    assert together.response == alone.response and together.sentiment == alone.sentiment
    assert together.audit is not None and alone.audit is not None
    assert audit_to_dict(together.audit) == audit_to_dict(alone.audit) and together.lessons == alone.lessons
    with pytest.raises(UsageError, match="unknown sentiment mode"):
        api.sentiment_scorer("bert")
    with pytest.raises(UsageError, match="not 'vader'"):
        api.analyse(thread, sentiment="vader", scorer=scorer)
