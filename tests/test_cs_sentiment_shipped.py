"""The accuracy figures the report prints are the ones the evaluation script measures today."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from postmortem.report.context import sentiment_accuracy
from tests.conftest import REPO


def test_report_shows_both_modes() -> None:
    modes = [row[0] for row in sentiment_accuracy()]
    assert modes == ["vader", "vader+cs"]


def test_shipped_figures_match_a_fresh_evaluation(shared_data: Path) -> None:
    spec = importlib.util.spec_from_file_location("evaluate_sentiment", REPO / "scripts" / "evaluate_sentiment.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the file runs
    spec.loader.exec_module(module)
    fresh = module.accuracy_summary(module.evaluate(shared_data))
    shipped = json.loads((REPO / "postmortem" / "data" / "sentiment_accuracy.json").read_text(encoding="utf-8"))
    for mode, figures in shipped["modes"].items():
        for key in ("accuracy", "macro_f1", "held_out_macro_f1", "pearson_r_ground_truth"):
            assert fresh["modes"][mode][key] == pytest.approx(figures[key], abs=0.002), (mode, key)
