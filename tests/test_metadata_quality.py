"""Metadata quality floors on every other page of ../shared/eval/metadata (129 pages, < 60 s):
title exact, authors F1 and body word-F1 of extract_html, a little under what was measured
(bench/RESULTS.md, "Metadata quality"), so that a regression fails."""

import sys

from tests.conftest import ROOT, SHARED_EVAL, require

sys.path.insert(0, str(ROOT / "bench"))
from metadata_quality import evaluate, load_pages, newsflow_output  # noqa: E402

METADATA = SHARED_EVAL / "metadata"
TITLE_FLOOR = 0.75
AUTHORS_F1_FLOOR = 0.83
AUTHORS_EXACT_FLOOR = 0.80
BODY_F1_FLOOR = 0.80


def test_title_and_author_floors_on_the_metadata_pages():
    require(METADATA / "gold.json")
    pages = load_pages(METADATA, None)[::2]
    result = evaluate(pages, {"newsflow": newsflow_output})["newsflow"]["metadata"]
    assert result.n["title"] >= 120
    assert result.ratio("title") >= TITLE_FLOOR
    assert result.ratio("authors_f1") >= AUTHORS_F1_FLOOR
    assert result.ratio("authors_exact") >= AUTHORS_EXACT_FLOOR
    assert result.ratio("body_f1") >= BODY_F1_FLOOR
