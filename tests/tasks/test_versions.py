from datetime import datetime, timedelta

import duckdb

from tasks.versions import ParagraphChange, content_sha256, due_checkpoint, paragraph_diff

T0 = datetime(2026, 1, 1, 8, 0)
CHECKPOINTS = (1, 6, 24, 72)


def test_diff_lists_a_rewritten_paragraph_as_removed_and_added_and_keeps_the_rest_out():
    old = ["Le bilan est de 10 morts.", "Les secours sont sur place.", "Fin."]
    new = ["Le bilan est de 12 morts.", "Les secours sont sur place.", "Fin.", "Mise à jour : un pont a cédé."]
    assert paragraph_diff(old, new) == [
        ParagraphChange("removed", 0, "Le bilan est de 10 morts."),
        ParagraphChange("added", 0, "Le bilan est de 12 morts."),
        ParagraphChange("added", 3, "Mise à jour : un pont a cédé."),
    ]


def test_diff_of_a_removed_paragraph_gives_its_old_position():
    assert paragraph_diff(["a", "b", "c"], ["a", "c"]) == [ParagraphChange("removed", 1, "b")]
    assert paragraph_diff(["a", "b"], ["a", "b"]) == []


def test_content_sha256_is_what_duckdb_computes_for_the_backfill():
    body = "Un été à Montréal\n\n« Très content », a-t-il dit."
    assert content_sha256(body) == duckdb.connect().execute("SELECT sha256(?)", [body]).fetchone()[0]


def test_an_article_is_due_at_the_latest_checkpoint_its_age_crossed_once():
    assert due_checkpoint(T0, None, T0 + timedelta(minutes=59), CHECKPOINTS) is None
    assert due_checkpoint(T0, None, T0 + timedelta(hours=1), CHECKPOINTS) == 1
    checked = T0 + timedelta(hours=1, minutes=5)
    assert due_checkpoint(T0, checked, T0 + timedelta(hours=5), CHECKPOINTS) is None
    assert due_checkpoint(T0, checked, T0 + timedelta(hours=6), CHECKPOINTS) == 6
    # A run that missed checkpoints checks once, at the latest one crossed.
    assert due_checkpoint(T0, checked, T0 + timedelta(hours=30), CHECKPOINTS) == 24
    assert due_checkpoint(T0, T0 + timedelta(hours=73), T0 + timedelta(days=30), CHECKPOINTS) is None
