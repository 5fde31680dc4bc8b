"""Text from the data reaches the console and the run artifacts as text, never as markup: hostile
titles and file names go through the real `newsflow ingest` (Prefect temporary server) and
`newsflow stories`, and the run's markdown artifact keeps its table shape."""

from __future__ import annotations

from pathlib import Path

from newsflow.cli import main
from warehouse.db import connect

HOSTILE_TITLES = [
    "Alerte [/dim] rouge [bold",
    "[link=file:///etc/passwd]x[/link]",
    "Budget a | b voté",
    "La ligne [red]rouge[/red] franchie :red_heart:",
]
# One distinct topic per article, so that each becomes a story of its own with its hostile title
# (no shared content word: two titles share "rouge", which with one shared body word is evidence
# enough for the story join model, tasks/stories/evidence.py).
BODIES = [
    "Les pompiers du Var ont lutté toute la nuit contre un incendie de forêt près de Fréjus. "
    "Plus de trois cents hectares de pinède ont brûlé et deux campings ont été évacués par précaution.",
    "La bibliothèque municipale de Lille rouvre après dix-huit mois de travaux de rénovation. "
    "Les lecteurs découvrent une médiathèque agrandie, des salles d'étude et un fonds ancien numérisé.",
    "Le conseil régional a adopté son budget primitif après une séance de douze heures. "
    "L'opposition dénonce la hausse des dépenses de fonctionnement et la baisse des investissements ferroviaires.",
    "Les viticulteurs bordelais arrachent des milliers de rangs de vignes faute de débouchés. "
    "La filière réclame une aide exceptionnelle à l'État pour financer la reconversion des parcelles.",
]
HOSTILE_EMPTY_FILE = "vide [red]x[bold] | y.txt"   # an empty file: a failure row (its URI is percent-encoded)
HOSTILE_DIR = "w [red]x[bold] | y"                # the warehouse's folder: printed in the run's header


def _write_inputs(folder: Path) -> None:
    folder.mkdir()
    for i, (title, body) in enumerate(zip(HOSTILE_TITLES, BODIES, strict=True)):
        (folder / f"{i:03}.txt").write_text(f"{title}\nLe Courrier Du Sud\n{body}\n\n{body.split('. ')[1]}\n",
                                            encoding="utf-8")
    (folder / HOSTILE_EMPTY_FILE).write_bytes(b"")


def _md_cells(row: str) -> list[str]:
    """The cells of a markdown table row: `|` splits unless backslash-escaped."""
    cells, cell, chars = [], "", iter(row.strip())
    for ch in chars:
        if ch == "\\":
            cell += ch + next(chars, "")
        elif ch == "|":
            cells.append(cell)
            cell = ""
        else:
            cell += ch
    cells.append(cell)
    return [c.strip() for c in cells[1:-1]]   # a row starts and ends with a pipe


def _check_tables(markdown: str) -> dict[str, list[list[str]]]:
    """Every table of the markdown has rows with as many cells as its header; tables by section."""
    tables: dict[str, list[list[str]]] = {}
    section, header = "", None
    for line in markdown.split("\n"):
        if line.startswith("#"):
            section, header = line.lstrip("# "), None
        elif line.startswith("|"):
            cells = _md_cells(line)
            if header is None:
                header = cells
                tables[section] = []
            elif not set("".join(cells)) <= set("-"):
                assert len(cells) == len(header), (section, line)
                tables[section].append(cells)
        else:
            header = None
            assert not line.strip() or not line.lstrip().startswith("|"), line
    return tables


def _summary_artifact(run_id: str) -> str:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    from newsflow.server import prefect_api

    with prefect_api(), get_client(sync_client=True) as client:   # the server the CLI run used
        artifacts = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["ingest-summary"])))
    (markdown,) = [a.data for a in artifacts if isinstance(a.data, str) and run_id in a.data]
    return markdown


def test_hostile_titles_are_printed_literally_and_artifacts_keep_their_tables(tmp_path, capsys):
    folder, db = tmp_path / "hostile", tmp_path / HOSTILE_DIR / "news.duckdb"
    _write_inputs(folder)
    db.parent.mkdir()

    assert main(["ingest", str(folder), "--db", str(db), "--workers", "1"]) == 0
    out = capsys.readouterr().out
    for title in HOSTILE_TITLES:
        assert title in out, f"{title!r} not printed literally:\n{out}"
    assert f"→ {db}" in out
    assert "/vide%20%5Bred%5Dx%5Bbold%5D%20%7C%20y.txt │ read  │ empty file" in out   # the failure table
    assert "❤" not in out                        # :red_heart: is text, not an emoji code

    with connect(db, read_only=True) as con:
        assert sorted(t for (t,) in con.execute("SELECT title FROM articles").fetchall()) == sorted(HOSTILE_TITLES)
        assert sorted(t for (t,) in con.execute("SELECT title FROM stories").fetchall()) == sorted(HOSTILE_TITLES)
        (run_id,) = con.execute("SELECT run_id FROM runs").fetchone()

    assert main(["stories", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    for title in HOSTILE_TITLES:
        assert title in out, f"{title!r} not printed literally by `stories`:\n{out}"

    markdown = _summary_artifact(run_id)
    tables = _check_tables(markdown)
    stories = tables["Stories created or grown"]
    assert len(stories) == len(HOSTILE_TITLES) and {len(row) for row in stories} == {5}
    assert "Budget a \\| b voté" in {row[1] for row in stories}
    assert "\\[link=file:///etc/passwd\\]x\\[/link\\]" in {row[1] for row in stories}
    assert [row[2] for row in tables["Not loaded"]] == ["empty file"]
    assert "/w \\[red\\]x\\[bold\\] \\| y/news.duckdb" in markdown.split("\n")[2]   # the Warehouse: line
