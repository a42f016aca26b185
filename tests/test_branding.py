from __future__ import annotations

from pathlib import Path

import pytest

from postmortem import api
from postmortem.errors import UsageError
from postmortem.report.context import build_context
from postmortem.report.render import render_html, text_for_pdf

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000" "1f15c4890000000d49444154789c6360000002000100ffff03000006000557bfabd40000000049454e44ae426082")


def test_accent_logo_and_name_reach_the_html(small_analysis, tmp_path: Path) -> None:
    logo = tmp_path / "logo.png"
    logo.write_bytes(PNG)
    meta = api.report_meta(small_analysis, api.RenderOptions(accent="#aa3300", logo=logo, company_name="Acme Ltd"))
    html = render_html(build_context(small_analysis, meta, with_charts=False))
    assert "--accent: #aa3300" in html
    assert 'src="data:image/png;base64,' in html
    assert "Acme Ltd" in html


@pytest.mark.parametrize("accent", ["red", "#12345", "#123456; } body { display:none"])
def test_bad_accent_is_refused(small_analysis, accent: str) -> None:
    with pytest.raises(UsageError, match="--accent"):
        api.report_meta(small_analysis, api.RenderOptions(accent=accent))


def test_bad_logo_is_refused(small_analysis, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="--logo"):
        api.report_meta(small_analysis, api.RenderOptions(logo=tmp_path / "logo.gif"))
    with pytest.raises(UsageError, match="cannot read"):
        api.report_meta(small_analysis, api.RenderOptions(logo=tmp_path / "missing.png"))


def test_emoji_become_words_for_pdf_only(small_analysis) -> None:
    assert text_for_pdf("@a_b 😂 café") == "@a_b [face with tears of joy] café"
    assert text_for_pdf(None) == ""
