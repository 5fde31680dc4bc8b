"""Every query in docs/queries.md runs against the seeds' warehouse and gives the documented
output, so the documentation cannot rot. Regenerate the outputs after a deliberate change with
`python tests/test_docs_queries.py --write`."""

from __future__ import annotations

import copy
import hashlib
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.helpers import articles_from  # noqa: E402
from warehouse.db import connect  # noqa: E402
from warehouse.enrich import enrich_pending  # noqa: E402
from warehouse.load import load_batch  # noqa: E402
from warehouse.search import load_fts, rebuild_search_index  # noqa: E402

DOC = ROOT / "docs" / "queries.md"
BLOCK = re.compile(r"```sql\n(?P<sql>.*?)```\n+```text\n(?P<out>.*?)```", re.S)


CORRECTED_TITLE = "Poutine accueille Kim Jong-Un à Vostochny et promet une coopération spatiale"
CORRECTION = ("Mise à jour : à l'issue de la rencontre, le Kremlin a indiqué que Vladimir Poutine avait accepté "
              "l'invitation de Kim Jong-Un à se rendre en Corée du Nord, sans préciser de date.")


def corrected(article):
    """Seed 001 as its outlet updates it after publication: a new headline, its first paragraph
    reworded, a paragraph added at the end (version 2 of the article)."""
    a = copy.deepcopy(article)
    a.title = CORRECTED_TITLE
    a.paragraphs = [a.paragraphs[0].replace("est arrivé", "est arrivé mercredi"), *a.paragraphs[1:], CORRECTION]
    a.line_numbers = [*a.line_numbers, a.line_numbers[-1] + 2]
    a.raw_sha256 = hashlib.sha256("\n\n".join([a.title, *a.paragraphs]).encode()).hexdigest()
    return a


def seeds_warehouse(path: Path):
    con = connect(path)
    articles, failures = articles_from([ROOT / "seeds"])
    load_batch(con, "seeds", 0, articles, failures)
    (first,) = [a for a in articles if "/001_" in a.source_uri]
    load_batch(con, "seeds-update", 0, [corrected(first)], [])
    enrich_pending(con, "enrich")
    rebuild_search_index(con)
    load_fts(con)
    return con


def render(con, sql: str) -> str:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    lines = ["| " + " | ".join(names) + " |"]
    for row in cursor.fetchall():
        lines.append("| " + " | ".join("NULL" if v is None else str(v) for v in row) + " |")
    return "\n".join(lines) + "\n"


def test_documented_queries_give_the_documented_output(tmp_path):
    con = seeds_warehouse(tmp_path / "seeds.duckdb")
    blocks = list(BLOCK.finditer(DOC.read_text(encoding="utf-8")))
    assert len(blocks) >= 6
    for block in blocks:
        assert render(con, block["sql"]) == block["out"], block["sql"]
    con.close()


if __name__ == "__main__" and "--write" in sys.argv:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        con = seeds_warehouse(Path(tmp) / "seeds.duckdb")
        text = BLOCK.sub(lambda m: f"```sql\n{m['sql']}```\n\n```text\n{render(con, m['sql'])}```", DOC.read_text())
        DOC.write_text(text)
        con.close()
