"""The leak test: no original handle, name, email, phone or URL of a non-company person survives
in any output of a case study (PDF text, HTML, JSON, CSV, Markdown).

Originals are collected from the loaded (original) thread: every non-company author's handles
and display names, every @handle mentioned in a post, the name parts of display names, and the
emails, phone numbers and URLs written in non-company posts (plus the posts' own URLs). Matching
is case-insensitive on word boundaries (a handle "dan" is not found inside "Dana"), and
whitespace-tolerant (PDF text extraction may break a name across lines). Name parts of fewer
than 3 letters ("Wu", initials) are not checked on their own: the anonymiser leaves them alone
(they are replaced as part of the full name, which is checked), see docs/case-study.md.
Name parts that are ordinary words ("Park", "Bell") are checked only as capitalised words.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from postmortem import api
from postmortem.casestudy import CaseOptions, CaseOutputs, build_case_study, write_case_study
from postmortem.casestudy.anonymise import COMMON_WORDS, MIN_NAME_LETTERS
from postmortem.model import Thread, normalise_handle
from tests.conftest import REPO

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
CASES = [
    pytest.param(REPO / "examples/bodybugg/bodybugg_facebook_graph.json", "BodyBugg", False, id="bodybugg"),
    pytest.param(REPO / "examples/restaurant/restaurant_x_api.json", "EmberAndOak", True, id="restaurant-hidden"),
    pytest.param(REPO / "examples/airline/airline_twarc2.jsonl", "FlySkyLark", False, id="airline"),
    pytest.param(SHARED / "twcs" / "twcs_dev.csv", "sprintcare", True, id="twcs-sprintcare"),
]
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(r"https?://\S+|\b(?:[\w-]+\.)+(?:com|org|net|co|ly|io)/\S*")
_PHONE = re.compile(r"(?<!\w)(?:\+\d[\d ().-]{7,}\d|\(?\d{3}\)?[ .-]\d{3}[ .-]\d{4})(?!\w)")
_MENTION = re.compile(r"(?<![\w@.])@(\w+)")


def originals(thread: Thread, company: str) -> dict[str, set[str]]:
    """What must not appear in any output, by kind."""
    company_key = normalise_handle(company)
    found: dict[str, set[str]] = {
        "handle": set(),
        "name": set(),
        "name part": set(),
        "email": set(),
        "phone": set(),
        "url": set(),
    }
    for post in thread.posts:
        if normalise_handle(post.author) == company_key:
            continue
        found["handle"].add(post.author)
        if post.author_name:
            found["name"].add(post.author_name)
            for part in post.author_name.split():
                part = part.strip(",()\"'")
                if sum(ch.isalpha() for ch in part) >= MIN_NAME_LETTERS:
                    found["name part"].add(part)
        if post.url:
            found["url"].add(post.url)
        found["email"].update(_EMAIL.findall(post.text))
        found["url"].update(u.rstrip(".,)!?") for u in _URL.findall(post.text))
        found["phone"].update(_PHONE.findall(post.text))
    for post in thread.posts:
        found["handle"].update(m for m in _MENTION.findall(post.text) if normalise_handle(m) != company_key)
    return found


def _pattern(value: str, kind: str) -> re.Pattern[str]:
    body = r"\s*".join(re.escape(chunk) for chunk in value.split())
    flags = 0 if kind == "name part" and value.casefold() in COMMON_WORDS else re.IGNORECASE
    return re.compile(rf"(?<![^\W_]){body}(?![^\W_])", flags)


def output_texts(paths: list[Path]) -> dict[str, str]:
    texts = {}
    for path in paths:
        if path.suffix == ".pdf":
            texts[path.name] = "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)
        else:
            texts[path.name] = path.read_text(encoding="utf-8")
    return texts


@pytest.mark.slow
@pytest.mark.parametrize(("path", "company", "hide"), CASES)
def test_no_original_survives_in_any_output(path: Path, company: str, hide: bool, tmp_path: Path) -> None:
    if not path.exists():
        pytest.skip(f"../shared/data not present (a user's clone): {path}")
    thread = api.load_thread(path, company=[company])
    case = build_case_study(thread, CaseOptions(company=(company,), hide_company=hide, seed=5))
    outputs = CaseOutputs(
        handout=tmp_path / "case.pdf",
        facilitator=tmp_path / "guide.pdf",
        handout_html=tmp_path / "case.html",
        facilitator_html=tmp_path / "guide.html",
        json=tmp_path / "case.json",
        csv=tmp_path / "case.csv",
        md=tmp_path / "case.md",
    )
    texts = output_texts(write_case_study(case, outputs))
    assert len(texts) == 7 and all(texts.values())
    found = originals(thread, company)
    checked = sum(len(v) for v in found.values())
    assert checked >= 10
    leaks = [
        (kind, value, name)
        for kind, values in found.items()
        for value in values
        for name, text in texts.items()
        if _pattern(value, kind).search(text)
    ]
    assert leaks == [], f"{len(leaks)} leaks of {checked} originals: {leaks[:10]}"
    if hide:
        for name, text in texts.items():
            assert not re.search(re.escape(company), text, re.IGNORECASE), name
    print(f"{path.name}: {checked} originals checked " + ", ".join(f"{len(v)} {k}" for k, v in found.items()))
