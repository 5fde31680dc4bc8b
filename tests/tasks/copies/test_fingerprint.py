import numpy as np

from tasks.copies.fingerprint import SHINGLE_WORDS, WINDOW, fingerprint_paragraphs, shingle_hashes, winnow
from tasks.text import words


def test_typographic_variants_give_the_same_content_hash():
    a = fingerprint_paragraphs("a", ["L’armée « héroïque » a dit : « oui » !"])
    b = fingerprint_paragraphs("b", ["L'armée \u00ab\u00a0héroïque\u00a0\u00bb a dit\u202f: \"oui\"\u00a0!"])
    assert a.content_hash == b.content_hash


def test_shared_passage_always_shares_a_winnowed_fingerprint():
    rng = np.random.default_rng(7)
    vocab = [f"mot{i}" for i in range(5000)]
    for _ in range(50):
        passage = list(rng.choice(vocab, WINDOW + SHINGLE_WORDS - 1))
        left = list(rng.choice(vocab, 60)) + passage + list(rng.choice(vocab, 40))
        right = list(rng.choice(vocab, 25)) + passage + list(rng.choice(vocab, 90))
        shared = np.intersect1d(winnow(shingle_hashes(left)), winnow(shingle_hashes(right)))
        assert len(shared) >= 1


def test_shingles_depend_on_word_order_only():
    assert (shingle_hashes(words("Un deux trois quatre cinq six"))
            == shingle_hashes(words("un, deux; trois quatre cinq six."))).all()
    assert len(shingle_hashes(words("un deux trois quatre cinq six"))) == 2
    assert len(shingle_hashes(words("un deux"))) == 1
