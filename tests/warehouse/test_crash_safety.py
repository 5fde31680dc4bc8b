"""Nothing lost, nothing doubled: SIGKILL the loading process at random moments, many times,
then check the warehouse after each kill and finish the work with one last run."""

import random
import signal
import subprocess
import sys
import time

from tests.conftest import ROOT, RPM2, require
from warehouse.db import connect

LOADER = [sys.executable, str(ROOT / "tests" / "crash_loader.py")]
MIN_KILLS = 20
LOOP_SECONDS = 300   # bound for a busy machine; the loop stops early once MIN_KILLS are done and time is up


def check_consistent(db) -> dict[str, int]:
    """Every committed batch is whole, markers match rows, derived tables agree."""
    con = connect(db)
    try:
        mismatched = con.execute("""
            SELECT b.run_id, b.n_articles, coalesce(a.n, 0), b.n_failures, coalesce(f.n, 0)
            FROM (SELECT run_id, sum(articles) AS n_articles, sum(failures) AS n_failures FROM batches GROUP BY run_id) b
            LEFT JOIN (SELECT run_id, count(*) AS n FROM articles GROUP BY run_id) a USING (run_id)
            LEFT JOIN (SELECT run_id, count(*) AS n FROM failures GROUP BY run_id) f USING (run_id)
            WHERE b.n_articles <> coalesce(a.n, 0) OR b.n_failures <> coalesce(f.n, 0)""").fetchall()
        assert mismatched == [], mismatched
        orphans = con.execute("""
            SELECT count(*) FROM articles a WHERE a.run_id NOT IN (SELECT run_id FROM batches)
               OR NOT EXISTS (SELECT 1 FROM paragraphs p WHERE p.article_id = a.article_id)
               OR (SELECT count(*) FROM story_articles s WHERE s.article_id = a.article_id) <> 1""").fetchone()[0]
        assert orphans == 0
        assert con.execute("SELECT count(*) FROM paragraphs WHERE article_id NOT IN (SELECT article_id FROM articles)"
                           ).fetchone()[0] == 0
        assert con.execute("""SELECT count(*) FROM stories s
                              WHERE article_count <> (SELECT count(*) FROM story_articles sa WHERE sa.story_id = s.story_id)"""
                           ).fetchone()[0] == 0
        n, distinct = con.execute("SELECT count(*), count(DISTINCT source_uri) FROM articles").fetchone()
        assert n == distinct
        return {"articles": n, "batches": con.execute("SELECT count(*) FROM batches").fetchone()[0]}
    finally:
        con.close()


def test_sigkill_loop_loses_nothing_and_doubles_nothing(tmp_path):
    corpus = require(RPM2 / "documents")
    reference = tmp_path / "reference.duckdb"
    begun = time.monotonic()
    subprocess.run([*LOADER, str(reference), str(corpus), "10"], check=True, capture_output=True, timeout=300)
    full_run = time.monotonic() - begun   # kills land between 20% and 60% of a whole run (start-up included)
    expected = check_consistent(reference)["articles"]

    db = tmp_path / "killed.duckdb"
    rng = random.Random(1)
    kills = 0
    seen: list[int] = []   # articles in the warehouse after each kill
    started = time.monotonic()
    while kills < MIN_KILLS or time.monotonic() - started < 10:
        proc = subprocess.Popen([*LOADER, str(db), str(corpus), "10"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(rng.uniform(0.2, 0.6) * full_run)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait(timeout=60)
        state = check_consistent(db)
        seen.append(state["articles"])
        if state["articles"] == expected:      # a run got to the end between two kills: start over
            db.unlink()
        assert time.monotonic() - started < LOOP_SECONDS or kills >= MIN_KILLS
        if time.monotonic() - started > LOOP_SECONDS:
            break
    print(f"\n{kills} SIGKILLs survived in {time.monotonic() - started:.0f} s; articles after each: {seen}")
    assert len(set(seen)) > 3          # the kills landed at different points of the load
    assert kills >= MIN_KILLS

    done = subprocess.run([*LOADER, str(db), str(corpus), "10"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert check_consistent(db)["articles"] == expected
