"""The loader's per-input stages (site boilerplate, fingerprint, copies, stories, known-article
check): an exception about one article makes it a failure row, and the batch loads the others, its
copies and stories computed without it, in the same transaction."""

from __future__ import annotations

import pytest

import tasks.copies.dedup
import tasks.documents.clean
import tasks.stories.assignment
import warehouse.load.clean
import warehouse.load.copies
import warehouse.load.stories
from tests.conftest import SEEDS, seed
from tests.helpers import articles_from
from warehouse.db import connect
from warehouse.load import load_batch


def _id_of(prefix: str) -> str:
    (article,), _ = articles_from([seed(prefix)])
    return article.article_id


def _raise_for(func, poison: str, article_id_of):
    def wrapper(*args, **kwargs):
        if article_id_of(*args, **kwargs) == poison:
            raise ZeroDivisionError("injected fault")
        return func(*args, **kwargs)
    return wrapper


# (module, function, the seed it fails on, how to find the article id in its arguments, stage)
LOADER_STAGES = [
    (warehouse.load.clean, "remove_site_boilerplate", "001", lambda article, _: article.article_id, "clean"),
    (tasks.documents.clean, "site_line_contexts", "002", lambda article: article.article_id, "clean"),
    (warehouse.load.copies, "fingerprint_of", "001", lambda article: article.article_id, "fingerprint"),
    (warehouse.load.stories, "terms_of", "001", lambda article: article.article_id, "stories"),
    (tasks.stories.assignment, "_scored_pool", "001", lambda cand, *_: cand.article_id, "stories"),
    (tasks.copies.dedup, "compare", "002", lambda a, b: b.article_id if a.article_id != POISON_COPY[0] else a.article_id,
     "copies"),
    (warehouse.load.copies, "paragraph_edits", "002", lambda original, copy, *_: POISON_COPY[0] if copy else None, "copies"),
]
POISON_COPY: list[str] = []   # the id of seed 002, the near copy of 000 (set by the test)


@pytest.mark.parametrize(("module", "name", "prefix", "article_id_of", "expected_stage"), LOADER_STAGES,
                         ids=[f"{m.__name__}.{n}" for m, n, *_ in LOADER_STAGES])
def test_an_exception_in_a_loader_stage_fails_only_its_article(db_path, monkeypatch, module, name, prefix,
                                                               article_id_of, expected_stage):
    POISON_COPY[:] = [_id_of("002")]
    poison = _id_of(prefix)
    monkeypatch.setattr(module, name, _raise_for(getattr(module, name), poison, article_id_of))
    con = connect(db_path)
    articles, failures = articles_from([SEEDS])
    report = load_batch(con, "run1", 0, articles, failures)

    assert sorted(report.loaded) == sorted(a.article_id for a in articles if a.article_id != poison)
    assert [(f.stage, f.reason, f.error_type) for f in report.failures] == [
        (expected_stage, f"{expected_stage} error", "ZeroDivisionError")]
    assert report.outcomes[poison] == f"failed: {expected_stage} error"
    rows = con.execute("SELECT stage, reason, error_type, detail FROM failures").fetchall()
    assert rows == [(expected_stage, f"{expected_stage} error", "ZeroDivisionError", "ZeroDivisionError: injected fault")]
    # Nothing of the failed article was written; the others have their rows, copies and story.
    for table in ("articles", "paragraphs", "removed_lines", "story_articles", "internals.fingerprints"):
        assert con.execute(f"SELECT count(*) FROM {table} WHERE article_id = ?", [poison]).fetchone()[0] == 0, table
    assert con.execute("SELECT count(*) FROM articles").fetchone()[0] == 4
    assert con.execute("SELECT count(*) FROM story_articles").fetchone()[0] == 4
    links = con.execute("SELECT article_id, duplicate_of FROM duplicates").fetchall()
    assert links == ([] if prefix == "002" else [(_id_of("002"), _id_of("000"))])
    assert con.execute("SELECT count(*) FROM batches").fetchone()[0] == 1


def test_the_failed_article_loads_once_the_fault_is_gone(db_path, monkeypatch):
    """A re-run (the input is still in the folder) loads it, adding no duplicate of the others."""
    poison = _id_of("001")
    with monkeypatch.context() as patch:
        patch.setattr(warehouse.load.copies, "fingerprint_of",
                      _raise_for(warehouse.load.copies.fingerprint_of, poison, lambda a: a.article_id))
        con = connect(db_path)
        load_batch(con, "run1", 0, *articles_from([SEEDS]))
    report = load_batch(con, "run2", 0, *articles_from([SEEDS]))
    assert report.loaded == [poison] and report.unchanged == 4
    assert con.execute("SELECT count(*), count(DISTINCT article_id) FROM articles").fetchone() == (5, 5)


def test_an_error_that_is_not_about_one_article_still_fails_the_batch(db_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug of the batch, not of an input")
    monkeypatch.setattr(warehouse.load.copies, "batch_candidates", broken)
    con = connect(db_path)
    with pytest.raises(RuntimeError):
        load_batch(con, "run1", 0, *articles_from([SEEDS]))
    assert con.execute("SELECT count(*) FROM articles").fetchone()[0] == 0
