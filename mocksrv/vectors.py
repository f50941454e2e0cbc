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
tests/dialects/test_embeddings.py checks batches against single requests).

The projection's column j depends only on (seed, j), so a vector's first d components are the
same whatever size is asked: a shorter vector is the prefix of the full one.
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Sequence

import numpy as np  # (mocksrv/__init__.py caps its BLAS threads at one)

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
_P = np.uint64(0x100000001B3)  # the FNV prime: odd, so it has an inverse modulo 2^64
_P_INVERSE = np.uint64(pow(0x100000001B3, -1, 2**64))
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
        assert made is not None  # made above when there was none
        return made[:dimensions]


def _salt(model: str, seed: int) -> np.uint64:
    return np.uint64(zlib.crc32(f"{model}\x1f{seed}".encode()) | (zlib.crc32(model.encode()) << 32))


def _word_bytes(data: np.ndarray) -> np.ndarray:
    """Which bytes belong to words: ASCII letters, digits and `_`, and every non-ASCII byte
    (so any script's letters count; its punctuation too, an approximation)."""
    return (
        ((data >= 97) & (data <= 122))  # a-z (the text is lower-cased first)
        | ((data >= 48) & (data <= 57))
        | (data == 95)
        | (data >= 128)
        | ((data >= 65) & (data <= 90))  # A-Z that lower() left alone (none in practice)
    )


def _word_hashes(data: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """A polynomial hash of each word data[start:end], all words at once: prefix sums of
    b[i] * P^-i (P odd, so invertible modulo 2^64; uint64 arithmetic wraps)."""
    n = len(data)
    powers = np.full(n, _P, dtype=np.uint64)
    powers[0] = 1
    powers = np.cumprod(powers, dtype=np.uint64)
    inverse = np.full(n, _P_INVERSE, dtype=np.uint64)
    inverse[0] = 1
    inverse = np.cumprod(inverse, dtype=np.uint64)
    prefix = np.cumsum((data + np.uint64(1)) * inverse, dtype=np.uint64)
    before = np.where(starts > 0, prefix[np.maximum(starts - 1, 0)], np.uint64(0))
    return (prefix[ends - 1] - before) * powers[ends - 1]


def bucket_weights(texts: Sequence[str], salt: np.uint64) -> np.ndarray:
    """(len(texts), BUCKETS) signed feature weights; all texts hashed in one vectorized pass."""
    encoded = [t.lower().encode("utf-8", "replace") for t in texts]
    data = np.frombuffer(b"".join(encoded), dtype=np.uint8).astype(np.uint64)
    owner = np.repeat(np.arange(len(texts)), [len(e) for e in encoded])
    word = _word_bytes(data)
    same_text = np.ones(len(data), dtype=bool)
    same_text[1:] = owner[1:] == owner[:-1]
    follows = np.zeros(len(data), dtype=bool)  # the byte before is a word byte of the same text
    follows[1:] = word[:-1] & same_text[1:]
    precedes = np.zeros(len(data), dtype=bool)  # the byte after is a word byte of the same text
    precedes[:-1] = word[1:] & same_text[1:]
    starts = np.flatnonzero(word & ~follows)
    ends = np.flatnonzero(word & ~precedes)
    ends += 1
    words = _word_hashes(data, starts, ends)
    stop = np.isin(words, _STOP_HASHES)
    # Word pieces: the 3-byte window around every byte of a word that is not a stopword, with a
    # space standing for whatever lies outside the word (" ca", "cat", "at " for "cat").
    in_stop = np.zeros(len(data), dtype=bool)
    if stop.any():
        marks = np.zeros(len(data) + 1, dtype=np.int64)
        np.add.at(marks, starts[stop], 1)
        np.add.at(marks, ends[stop], -1)
        in_stop = np.cumsum(marks[:-1]) > 0
    space = np.uint64(32)
    left = np.where(follows, np.roll(data, 1), space)
    right = np.where(precedes, np.roll(data, -1), space)
    centre = word & ~in_stop
    grams = ((left << np.uint64(16)) | (data << np.uint64(8)) | right | np.uint64(1 << 40))[centre]
    keys = np.concatenate([words, grams])
    mixed = (keys ^ salt) * _MIX
    mixed ^= mixed >> np.uint64(29)
    mixed *= _MIX
    bucket = (mixed >> np.uint64(40)).astype(np.int64) % BUCKETS
    sign = ((mixed >> np.uint64(20)) & np.uint64(1)).astype(np.float64) * 2 - 1
    weight = np.concatenate([np.where(stop, STOPWORD_WEIGHT, WORD_WEIGHT), np.full(len(grams), GRAM_WEIGHT)])
    rows = np.concatenate([owner[starts], owner[centre]])
    n = len(texts)
    flat = np.bincount(rows * BUCKETS + bucket, weights=weight * sign, minlength=n * BUCKETS)
    return flat.reshape(n, BUCKETS).astype(np.float32)


def _text_hash(word: str) -> int:
    """_word_hashes for one word, in plain Python (for the stopword table)."""
    value = 0
    for byte in word.encode():
        value = (value * int(_P) + byte + 1) % 2**64
    return value


_STOP_HASHES = np.array(sorted(_text_hash(w) for w in STOPWORDS), dtype=np.uint64)


def embed(
    texts: Sequence[str],
    model: str,
    seed: int,
    full: int,
    dimensions: int | None = None,
    normalize_cut: bool = True,
    unit: bool = True,
) -> np.ndarray:
    """Float32 vectors, one row per text, `dimensions` long (the prefix of the `full`-size one).

    `normalize_cut`: the cut vector is renormalized to unit length (OpenAI's `dimensions`);
    otherwise it keeps the full vector's scale (Gemini's outputDimensionality).
    `unit` False: the projection as it is, a length that grows with the text (the raw output
    Ollama's legacy /api/embeddings returns); same directions, so the same cosines."""
    size = min(dimensions or full, full)
    weights = bucket_weights(texts, _salt(model, seed))
    vectors = _project(weights, _projection(seed, full if not normalize_cut else size))
    cut = vectors[:, :size]
    if unit:
        norms = np.sqrt(np.einsum("ij,ij->i", vectors, vectors)).astype(np.float32)[:, None]
        norms[norms == 0] = 1.0
        cut /= norms  # in place: a view of the product, which nothing else holds
    return np.ascontiguousarray(cut)


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
