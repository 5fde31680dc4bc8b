"""The stories a console shows, on a real warehouse of RPM2 articles loaded in two runs: a story is
listed with at most N of its articles (its counts and span still from all of them), after an
ingest only the stories that run created or grew, each with that run's articles, and `--story`
shows one story whole."""

from __future__ import annotations

import io

from rich.console import Console

from newsflow.cli import _print_stories, build_parser
from tests.conftest import RPM2, require
from tests.helpers import articles_from
from warehouse.db import connect
from warehouse.load import load_batch


def _printed(con, **kwargs) -> str:
    out = io.StringIO()
    _print_stories(con, Console(file=out, width=200, force_terminal=False), **kwargs)
    return out.getvalue()


def _ids_listed(text: str, candidates: set[str]) -> set[str]:
    return {token for line in text.splitlines() for token in line.replace("│", " ").split() if token in candidates}


def test_stories_listed_within_bounds_and_by_run(db_path):
    files = sorted(require(RPM2 / "documents").glob("*.txt"))
    first, second = files[:150], files[150:]
    with connect(db_path) as con:
        for run_id, part in (("r1", first), ("r2", second)):
            articles, failures = articles_from(part)
            load_batch(con, run_id, 0, articles, failures)
        run_of = dict(con.execute("SELECT article_id, run_id FROM articles").fetchall())
        story_of = dict(con.execute("SELECT article_id, story_id FROM story_articles").fetchall())
        sizes = dict(con.execute("SELECT story_id, article_count FROM stories").fetchall())
        big = max(sizes, key=sizes.get)
        assert sizes[big] > 3

        # Every story: at most 3 articles listed, and the caption says how many more there are.
        text = _printed(con, limit=100, rows=3)
        for story_id, n in sizes.items():
            listed = {a for a in _ids_listed(text, set(story_of)) if story_of[a] == story_id}
            assert len(listed) == min(n, 3)
            assert f"{story_id}: {n} articles" in text or n == 1
            if n > 3:
                assert f"{n - 3} more articles: newsflow stories --story {story_id} --articles 0" in text

        # After run r2: only the stories it touched, each listing only r2's articles.
        touched = {sid for sid, in con.execute(
            "SELECT story_id FROM stories WHERE 'r2' IN (created_run_id, updated_run_id)").fetchall()}
        assert touched and touched != set(sizes)
        text = _printed(con, limit=100, rows=0, run_id="r2")
        listed = _ids_listed(text, set(story_of))
        assert listed == {a for a, sid in story_of.items() if sid in touched and run_of[a] == "r2"}
        assert set(sizes) - touched and not any(f"({sid}:" in text for sid in set(sizes) - touched)
        grown = [sid for sid in touched if any(run_of[a] == "r1" for a, s in story_of.items() if s == sid)]
        assert grown and all(f"from earlier runs: newsflow stories --story {sid}" in text for sid in grown)

        # --story ID --articles 0: that story, all of its articles.
        text = _printed(con, limit=1, rows=0, story_id=big)
        assert _ids_listed(text, set(story_of)) == {a for a, sid in story_of.items() if sid == big}
        assert "more article" not in text
        assert _printed(con, limit=1, story_id="s_nope") == "No story s_nope.\n"
    args = build_parser().parse_args(["stories", "--story", big, "--articles", "0"])
    assert (args.story, args.articles) == (big, 0)
