from itertools import combinations
from pathlib import Path

from tasks.copies.dedup import MIN_SHARED_FINGERPRINTS, batch_candidates, compare, find_copies, is_near_copy, min_shared
from tasks.copies.fingerprint import fingerprint_article, fingerprint_paragraphs
from tests.conftest import SEEDS
from tests.helpers import articles_from


def seed_fingerprints():
    articles, _ = articles_from([SEEDS])
    names = {a.article_id: Path(a.source_uri).name[:3] for a in articles}
    return [fingerprint_article(a) for a in articles], names


def test_only_000_and_002_are_near_copies():
    fps, names = seed_fingerprints()
    near = {tuple(sorted((names[a.article_id], names[b.article_id])))
            for a, b in combinations(fps, 2) if is_near_copy(compare(a, b))}
    assert near == {("000", "002")}


def test_shared_paragraphs_of_the_afp_pair():
    fps, names = seed_fingerprints()
    by_name = {names[fp.article_id]: fp for fp in fps}
    score = compare(by_name["002"], by_name["000"])
    # 002's first paragraph is 000's second with "mercredi" added; its fifth is 000's last.
    assert (0, 1) in {(s.position, s.source_position) for s in score.shared_a}
    assert (4, 5) in {(s.position, s.source_position) for s in score.shared_a}
    # ... and 002's closing paragraphs (Peskov, Washington, the ministers) are its own.
    assert not {6, 7, 8} & {s.position for s in score.shared_a}
    assert 0.3 < score.similarity < 0.8


def test_candidates_come_from_the_index_not_all_pairs():
    fps, names = seed_fingerprints()
    pairs = {tuple(sorted((names[a], names[b]))) for a, b in batch_candidates(fps)}
    assert ("000", "002") in pairs
    assert len(pairs) < 10  # 10 would be all pairs


def test_find_copies_links_exact_and_near_copies_earliest_first():
    fps, names = seed_fingerprints()
    by_name = {names[fp.article_id]: fp for fp in fps}
    exact = fingerprint_paragraphs("copy-of-004", ["« " + p + " »" for p in []] or
                                   [p for p in _paragraphs_of("004")])
    batch = [*fps, exact]
    order = {fp.article_id: i for i, fp in enumerate(batch)}
    links = find_copies(batch, {}, batch_candidates(batch), {}, lambda i: (order[i],))
    kinds = {(names.get(lk.article_id, lk.article_id), names.get(lk.duplicate_of, lk.duplicate_of), lk.kind)
             for lk in links}
    assert kinds == {("002", "000", "near"), ("copy-of-004", "004", "exact")}
    assert by_name["004"].content_hash == exact.content_hash


def _paragraphs_of(prefix: str) -> list[str]:
    articles, _ = articles_from([next(SEEDS.glob(f"{prefix}_*"))])
    return articles[0].paragraphs


def test_a_shared_formula_is_no_candidate_but_a_partial_copy_is():
    """A pair needs MIN_SHARED_FINGERPRINTS and MIN_SHARED_SHARE of the smaller article's
    fingerprints: a sentence two long articles share by chance does not make them candidates;
    the same sentence plus a fifth of a dispatch does."""
    articles, _ = articles_from([SEEDS])
    long_a, long_b = sorted(articles, key=lambda a: -len(a.body))[:2]
    formula = "Les informations de ce texte proviennent des agences de presse et de nos correspondants sur place ce jour"
    a = fingerprint_paragraphs("a", [*long_a.paragraphs, formula])
    b = fingerprint_paragraphs("b", [*long_b.paragraphs, formula])
    shared = len(set(a.winnowed.tolist()) & set(b.winnowed.tolist()))
    assert shared >= MIN_SHARED_FINGERPRINTS and shared < min_shared(len(a.winnowed), len(b.winnowed))
    assert ("a", "b") not in batch_candidates([a, b])
    fifth = long_a.paragraphs[: max(2, len(long_a.paragraphs) // 5)]
    c = fingerprint_paragraphs("c", [*long_b.paragraphs, *fifth])
    assert ("a", "c") in batch_candidates([a, c])


def test_an_exact_copy_shares_all_its_paragraphs_a_near_copy_the_matched_ones():
    """duplicates.shared_paragraphs: an exact copy's paragraphs are all in the original (it was 0)."""
    fps, names = seed_fingerprints()
    paragraphs = _paragraphs_of("004")
    batch = [*fps, fingerprint_paragraphs("copy-of-004", paragraphs)]
    order = {fp.article_id: i for i, fp in enumerate(batch)}
    links = {names.get(lk.article_id, lk.article_id): lk
             for lk in find_copies(batch, {}, batch_candidates(batch), {}, lambda i: (order[i],))}
    assert links["copy-of-004"].shared_paragraphs == len(paragraphs) > 1
    assert links["002"].shared_paragraphs == len(links["002"].shared) > 0
