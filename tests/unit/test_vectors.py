"""vectors: the feature hashing is pinned (machine independent), texts never share features, and a
text's vector is the same alone or in any batch, at any size (docs/embeddings.md)."""

from __future__ import annotations

import hashlib

import numpy as np

from mocksrv import features, vectors

TEXTS = [
    "The cat sat on the mat.",
    "embeddings vectorized",
    "Ünïcödé naïve café 東京 タワー",
    "the of and",
    "!!!",
    "x_y_z 42 3.14 don't C++",
    "İstanbul ß \ud800",
]


def test_feature_weights_are_pinned():
    # Integer hashing and sums of multiples of 1/4: the same bytes on any machine. A change here
    # changes every vector mocksrv makes.
    expected = {
        ("text-embedding-3-small", 0): "9e008ffb86aab39ac6cd331c670dce30fc45927011a3968d632d2963b5b0ed65",
        ("gemini-embedding-001", 7): "3c3e490a517e29c063573f598901415db34d9ca3095e9280db183eb0b9b51eb3",
    }
    for (model, seed), digest in expected.items():
        weights = features.bucket_weights(TEXTS, features.salt_of(model, seed))
        assert weights.shape == (len(TEXTS), features.BUCKETS)
        assert hashlib.sha256(weights.astype("<f4").tobytes()).hexdigest() == digest


def test_each_texts_features_are_its_own():
    salt = features.salt_of("m", 0)
    together = features.bucket_weights(TEXTS, salt, rows=16)
    assert not together[len(TEXTS) :].any()  # padding rows stay zero
    for row, text in zip(together, TEXTS, strict=False):
        assert np.array_equal(row, features.bucket_weights([text], salt)[0])


def test_a_texts_vector_is_the_same_alone_or_in_a_batch_at_any_size():
    # Every product takes the same BLAS kernels: rows padded to a multiple of ROWS, at least
    # BLOCK columns (a short `dimensions` once took OpenBLAS's small-matrix kernels alone).
    texts = [f"passage {i}: foxes cross rivers near the tower {i * 7}" for i in range(20)]
    cases = [(1536, None, True), (1536, 1, True), (1536, 3, True), (1536, 64, True), (1536, 200, True)]
    cases += [(3072, 1000, True), (3072, 768, False), (768, None, True), (8, None, True), (100, 10, False)]
    for full, dimensions, normalize_cut in cases:
        batch = vectors.embed(texts, "m", 3, full, dimensions, normalize_cut)
        alone = [vectors.embed([t], "m", 3, full, dimensions, normalize_cut)[0] for t in texts]
        assert batch.shape == (len(texts), dimensions or full) and batch.flags.c_contiguous
        assert np.array_equal(batch, np.stack(alone)), (full, dimensions, normalize_cut)


def test_a_shorter_vector_is_the_prefix_of_the_full_one():
    text = ["the prefix of the full vector"]
    full = vectors.embed(text, "m", 0, 3072)[0]
    assert np.array_equal(vectors.embed(text, "m", 0, 3072, 256, normalize_cut=False)[0], full[:256])
    cut = vectors.embed(text, "m", 0, 3072, 256)[0]
    assert np.allclose(cut, full[:256] / np.linalg.norm(full[:256]), atol=1e-6)
    assert abs(float(np.linalg.norm(cut)) - 1) < 1e-5


def test_the_vectors_are_the_full_products_bit_for_bit():
    # embed multiplies only the buckets some text uses, one product per block OpenBLAS sums
    # apart: the same bits as the dense (rows x BUCKETS) product, normalized.
    corpus = [f"passage {i}: foxes cross rivers near the tower {i * 7}" for i in range(20)] + TEXTS
    cases = [(corpus, 1536, 0), (corpus[:1], 768, 3), (corpus[3:12], 3072, 7), (["!!!"], 384, 0)]
    for texts, full, seed in cases:
        rows = -(-len(texts) // vectors.ROWS) * vectors.ROWS
        weights = features.bucket_weights(texts, features.salt_of("m", seed), rows)
        dense = (weights @ vectors._projection(seed, full))[: len(texts)]
        norms = np.sqrt(np.einsum("ij,ij->i", dense, dense)).astype(np.float32)[:, None]
        norms[norms == 0] = 1.0
        assert np.array_equal(vectors.embed(texts, "m", seed, full), dense / norms), (len(texts), full)


def test_start_up_makes_the_projections_within_the_bound():
    # serve() makes the catalog's sizes before it listens (vectors.prepare): at most the bound's
    # worth, and the vectors are the ones the first request would have made.
    text = ["made at start-up"]
    before = vectors.embed(text, "m", 11, 1536)
    vectors._projections.clear()
    sizes = [1536, 8, 3072, 1536] + [64 * n for n in range(5, 30)]
    assert vectors.prepare(11, sizes) == vectors._projections.max_entries
    assert len(vectors._projections) == vectors._projections.max_entries
    assert (11, 1536) in vectors._projections and (11, vectors.BLOCK) in vectors._projections
    assert np.array_equal(vectors.embed(text, "m", 11, 1536), before)
