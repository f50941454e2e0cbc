"""Embedding vectors that behave: deterministic, unit length and lexically meaningful.

A text becomes a bag of hashed features: its words (lower-cased), and the byte 3-grams of the
words joined by single spaces (word pieces, so `embedding` and `embeddings` share most of
theirs). Each feature lands, with a sign, in one of BUCKETS buckets (the hash is salted with
the model name and --seed); the bucket weights go through a seeded Gaussian random projection
to the model's dimensions. Random projections keep cosines, so two texts' cosine
follows the weight of the features they share (docs/embeddings.md states the contract).

The matrix product always has a multiple of ROWS texts (padded with zero rows): every text then
takes the same BLAS kernels whatever the batch, and its vector is bit for bit the same alone or
among others (a lone row would take a matrix-vector kernel that adds in another order;
tests/test_embeddings.py checks batches against single requests).

The projection's column j depends only on (seed, j), so a vector's first d components are the
same whatever size is asked: a shorter vector is the prefix of the full one.
"""

from __future__ import annotations

import os
import re
import threading
import zlib
from collections.abc import Sequence

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # one request must not take every core
import numpy as np

BUCKETS = 512  # collisions add noise of about 1/sqrt(BUCKETS) to a cosine
BLOCK = 256  # projection columns made at a time (seeded per block: any prefix is stable)
ROWS = 8  # the matrix product has a multiple of this many rows (see above)
MAX_DIMENSIONS = 8192  # the longest vector mocksrv makes (catalog or fixture models)
WORD_WEIGHT = 1.0
STOPWORD_WEIGHT = 0.25  # words every passage has would otherwise make everything similar
GRAM_WEIGHT = 0.5

STOPWORDS = frozenset(
    {
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "do",
        "does",
        "for",
        "from",
        "had",
        "has",
        "have",
        "how",
        "i",
        "in",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "that",
        "the",
        "their",
        "there",
        "these",
        "this",
        "to",
        "was",
        "were",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
        "you",
    }
)
_WORD = re.compile(r"\w+")
_MIX = np.uint64(0x9E3779B97F4A7C15)
_lock = threading.Lock()
_projections: dict[int, np.ndarray] = {}  # seed -> (columns made so far, BUCKETS), float32


def _projection(seed: int, dimensions: int) -> np.ndarray:
    """The first `dimensions` rows of the seed's (D x BUCKETS) projection, contiguous."""
    with _lock:
        made = _projections.get(seed)
        have = 0 if made is None else made.shape[0]
        if have < dimensions:
            blocks = [made] if made is not None else []
            for start in range(have, dimensions, BLOCK):
                rng = np.random.default_rng([seed & 0xFFFFFFFFFFFFFFFF, start // BLOCK])
                blocks.append(rng.standard_normal((BLOCK, BUCKETS), dtype=np.float32))
            made = _projections[seed] = np.concatenate(blocks)
        return made[:dimensions]


def _salt(model: str, seed: int) -> np.uint64:
    return np.uint64(zlib.crc32(f"{model}\x1f{seed}".encode()) | (zlib.crc32(model.encode()) << 32))


def _word_weight(word: str) -> float:
    return STOPWORD_WEIGHT if word in STOPWORDS else WORD_WEIGHT


def bucket_weights(texts: Sequence[str], salt: np.uint64) -> np.ndarray:
    """(len(texts), BUCKETS) signed feature weights; all texts hashed in one vectorized pass."""
    hashes: list[int] = []
    owners: list[int] = []
    weights: list[float] = []
    chunks: list[bytes] = []
    for index, text in enumerate(texts):
        words = _WORD.findall(text.lower())
        hashes.extend(zlib.crc32(w.encode()) for w in words)
        owners.extend([index] * len(words))
        weights.extend(map(_word_weight, words))
        chunks.append(f" {' '.join(w for w in words if w not in STOPWORDS)} ".encode())
    grams, gram_owners = _grams(chunks)
    keys = np.concatenate([np.array(hashes, dtype=np.uint64), grams])
    mixed = (keys ^ salt) * _MIX
    mixed ^= mixed >> np.uint64(29)
    mixed *= _MIX
    bucket = (mixed >> np.uint64(40)).astype(np.int64) % BUCKETS
    sign = ((mixed >> np.uint64(20)) & np.uint64(1)).astype(np.float64) * 2 - 1
    weight = np.concatenate([np.array(weights), np.full(len(grams), GRAM_WEIGHT)]) * sign
    rows = np.concatenate([np.array(owners, dtype=np.int64), gram_owners])
    n = len(texts)
    flat = np.bincount(rows * BUCKETS + bucket, weights=weight, minlength=n * BUCKETS)
    return flat.reshape(n, BUCKETS).astype(np.float32)


def _grams(chunks: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """Every byte 3-gram inside each chunk (none across two), tagged apart from word hashes."""
    data = np.frombuffer(b"".join(chunks), dtype=np.uint8).astype(np.uint64)
    owner = np.repeat(np.arange(len(chunks)), [len(c) for c in chunks])
    if len(data) < 3:
        return np.zeros(0, np.uint64), np.zeros(0, np.int64)
    inside = owner[:-2] == owner[2:]
    codes = (data[:-2] << np.uint64(16)) | (data[1:-1] << np.uint64(8)) | data[2:] | np.uint64(1 << 32)
    return codes[inside], owner[:-2][inside]


def embed(
    texts: Sequence[str],
    model: str,
    seed: int,
    full: int,
    dimensions: int | None = None,
    normalize_cut: bool = True,
) -> np.ndarray:
    """Float32 vectors, one row per text, `dimensions` long (the prefix of the `full`-size one).

    `normalize_cut`: the cut vector is renormalized to unit length (OpenAI's `dimensions`);
    otherwise it keeps the full vector's scale (Gemini's outputDimensionality)."""
    size = min(dimensions or full, full)
    weights = bucket_weights(texts, _salt(model, seed))
    vectors = _project(weights, _projection(seed, full if not normalize_cut else size))
    norms = np.sqrt(np.einsum("ij,ij->i", vectors, vectors, dtype=np.float64))[:, None]
    norms[norms == 0] = 1.0
    return np.ascontiguousarray(vectors[:, :size] / norms, dtype=np.float32)


def _project(weights: np.ndarray, projection: np.ndarray) -> np.ndarray:
    rows = len(weights)
    padded = np.zeros((-(-rows // ROWS) * ROWS, weights.shape[1]), dtype=np.float32)
    padded[:rows] = weights
    return (padded @ projection.T)[:rows]


def pinned(vector: Sequence[float], dimensions: int | None, normalize_cut: bool = True) -> np.ndarray:
    """A fixture's vector, cut to `dimensions` like a made one (renormalized when asked)."""
    array = np.asarray(vector, dtype=np.float32)
    if dimensions and dimensions < len(array):
        array = array[:dimensions]
        norm = float(np.linalg.norm(array))
        if normalize_cut and norm:
            array = array / norm
    return np.ascontiguousarray(array, dtype=np.float32)
