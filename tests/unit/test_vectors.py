"""vectors: the feature hashing is pinned (machine independent), texts never share features, and a
text's vector is the same alone or in any batch, at any size (docs/embeddings.md)."""

from __future__ import annotations

import hashlib

import numpy as np

from mocksrv import vectors

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
        weights = vectors.bucket_weights(TEXTS, vectors._salt(model, seed))
        assert weights.shape == (len(TEXTS), vectors.BUCKETS)
        assert hashlib.sha256(weights.astype("<f4").tobytes()).hexdigest() == digest


def test_each_texts_features_are_its_own():
    salt = vectors._salt("m", 0)
    together = vectors.bucket_weights(TEXTS, salt, rows=16)
    assert not together[len(TEXTS) :].any()  # padding rows stay zero
    for row, text in zip(together, TEXTS, strict=False):
        assert np.array_equal(row, vectors.bucket_weights([text], salt)[0])
