"""The shared scorer on the annotated dev set: the gates the finder must keep."""

from __future__ import annotations

import importlib.util
import json

import pytest

from ingest.followups import find_followups
from tests.conftest import require_shared


@pytest.mark.corpus
def test_dev_set_gates() -> None:
    scorer_path = require_shared("eval", "score_followups.py")
    data_path = require_shared("eval", "followups-dev.jsonl")
    spec = importlib.util.spec_from_file_location("score_followups", scorer_path)
    assert spec is not None and spec.loader is not None
    scorer = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(scorer)
    lines = data_path.read_text(encoding="utf-8").splitlines()
    cases = [json.loads(line) for line in lines if line.strip()]
    result = scorer.score(cases, find_followups)
    assert result["articles"] == len(cases) > 0
    assert result["f1"] >= 0.95, result
    assert result["location"] >= 0.90, result
