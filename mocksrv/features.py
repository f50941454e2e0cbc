"""Text as salted, signed bucket features: what an embedding vector is made of (vectors.py).

A text becomes a bag of hashed features: its words (lower-cased), and the byte 3-grams of the
words joined by single spaces (word pieces, so `embedding` and `embeddings` share most of
theirs). Each feature lands, with a sign, in one of BUCKETS buckets (the hash is salted with
the model name and --seed). A whole batch is hashed in one vectorized pass.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np

BUCKETS = 512  # collisions add noise of about 1/sqrt(BUCKETS) to a cosine
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


def salt_of(model: str, seed: int) -> np.uint64:
    return np.uint64(zlib.crc32(f"{model}\x1f{seed}".encode()) | (zlib.crc32(model.encode()) << 32))


def _spaced_bytes() -> np.ndarray:
    """Each byte as a word piece sees it: word bytes stay, any other byte is a space. Word bytes
    are ASCII letters, digits and `_`, and every non-ASCII byte (so any script's letters count;
    its punctuation too, an approximation)."""
    table = np.full(256, 32, dtype=np.uint8)
    for low, high in ((ord("a"), ord("z")), (ord("A"), ord("Z")), (ord("0"), ord("9")), (95, 95), (128, 255)):
        table[low : high + 1] = np.arange(low, high + 1)
    return table


_SPACED = _spaced_bytes()
# A feature's signed weight, at 2 * kind + sign bit (kind: 0 a word, 1 a stopword, 2 a word piece).
_SIGNED_WEIGHTS = np.array([(-w, w) for w in (WORD_WEIGHT, STOPWORD_WEIGHT, GRAM_WEIGHT)]).ravel()
_SPACE = np.uint8(32)
_TABLE_BYTES = 1 << 16  # requests with up to this many bytes of text use the kept powers of P
_tables: list[np.ndarray] = []  # [P^i, P^-i] for i < _TABLE_BYTES (1 MiB), made on first use


def _powers(n: int) -> tuple[np.ndarray, np.ndarray]:
    """P^i and P^-i for i < n (uint64 arithmetic wraps, so these are modulo 2^64)."""
    if n > _TABLE_BYTES:
        return _cumulative_powers(_P, n), _cumulative_powers(_P_INVERSE, n)
    if not _tables:  # (one list assignment: another thread sees both tables or neither)
        _tables[:] = _cumulative_powers(_P, _TABLE_BYTES), _cumulative_powers(_P_INVERSE, _TABLE_BYTES)
    powers, inverse = _tables
    return powers[:n], inverse[:n]


def _cumulative_powers(base: np.uint64, n: int) -> np.ndarray:
    factors = np.full(n, base, dtype=np.uint64)
    factors[0] = 1
    return np.cumprod(factors, dtype=np.uint64)


def _word_hashes(data: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """A polynomial hash of each word data[start:end], all words at once: prefix sums of
    (b[i] + 1) * P^-i (P odd, so invertible modulo 2^64), so a word's is its slice's sum times
    P^(end - 1), wherever the word lies. `starts` are never 0 (data begins with a space)."""
    powers, inverse = _powers(len(data))
    prefix = data.astype(np.uint64)
    prefix += np.uint64(1)
    prefix *= inverse
    np.cumsum(prefix, out=prefix)
    last = ends - 1
    hashes = prefix[last]
    hashes -= prefix[starts - 1]
    hashes *= powers[last]
    return hashes


def bucket_weights(texts: Sequence[str], salt: np.uint64, rows: int | None = None) -> np.ndarray:
    """(rows, BUCKETS) signed feature weights (rows: len(texts), or more to pad with zero rows).
    The weights are multiples of 1/4 summed exactly, so the order features are added in does
    not matter."""
    owners, buckets, weights = _features(texts, salt)
    rows = len(texts) if rows is None else rows
    cells = owners * BUCKETS + buckets
    return np.bincount(cells, weights, rows * BUCKETS).reshape(rows, BUCKETS).astype(np.float32)


def used_weights(texts: Sequence[str], salt: np.uint64, rows: int) -> tuple[np.ndarray, np.ndarray]:
    """The buckets some text uses (ascending), and bucket_weights' columns for them alone, as a
    column-major (rows, len(used)) array (the layout `_product` multiplies; see above)."""
    owners, buckets, weights = _features(texts, salt)
    present = np.bincount(buckets, minlength=BUCKETS) > 0
    used = np.flatnonzero(present)
    rank = np.cumsum(present, dtype=np.intp)  # a used bucket's column, plus one
    cells = rank.take(buckets)
    cells -= 1
    cells *= rows
    cells += owners
    columns = np.bincount(cells, weights, len(used) * rows).astype(np.float32)
    return used, columns.reshape(len(used), rows).T


def _features(texts: Sequence[str], salt: np.uint64) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every feature of the texts, all hashed in one vectorized pass: its text's row, its bucket
    and its signed weight."""
    encoded = [t.lower().encode("utf-8", "replace") for t in texts]
    # A space before, between and after the texts: no word runs from one text into the next, and
    # the last byte's piece can read one byte on (two spaces at the end).
    data = np.frombuffer(b" " + b" ".join(encoded) + b"  ", dtype=np.uint8)
    spaced = _SPACED.take(data)
    word = spaced != _SPACE
    edges = np.flatnonzero(word[1:] != word[:-1])
    edges += 1
    starts, ends = edges[0::2], edges[1::2]  # each word is data[start:end]
    words = _word_hashes(data, starts, ends)
    stop = _STOP_HASHES.take(np.searchsorted(_STOP_HASHES, words), mode="clip") == words
    # Word pieces: the 3-byte window around every byte of a word that is not a stopword, with a
    # space standing for whatever lies outside the word (" ca", "cat", "at " for "cat").
    marks = np.zeros(len(data) + 1, dtype=np.int8)  # +1 from a stopword's start, -1 from its end
    marks[starts[stop]] = 1
    marks[ends[stop]] = -1
    centres = np.flatnonzero(word & (np.cumsum(marks[:-1], dtype=np.int8) == 0))
    # Every 4-byte big-endian window of `spaced`: window i is bytes i-1, i, i+1, i+2 of a centre
    # i, so window >> 8 is the piece (left << 16 | centre << 8 | right).
    windows = np.ndarray((len(spaced) - 3,), dtype=">u4", buffer=spaced, strides=(1,))
    keys = np.empty(len(words) + len(centres), dtype=np.uint64)
    keys[: len(words)] = words
    pieces = keys[len(words) :]
    np.right_shift(windows.take(centres - 1), 8, out=pieces, casting="unsafe")
    pieces |= np.uint64(1 << 40)  # (no word hash is told from a piece by value alone)
    keys ^= salt
    keys *= _MIX
    keys ^= keys >> np.uint64(29)
    keys *= _MIX
    # Each feature's text (the text a word starts in), bucket and signed weight.
    spans = np.fromiter(map(len, encoded), dtype=np.intp, count=len(encoded))  # each text and
    spans += 1  # the space before it; the last one also has the two spaces at the end
    spans[-1:] += 2
    owners = np.repeat(np.arange(len(encoded), dtype=np.intp), spans)  # each byte's text
    buckets = ((keys >> np.uint64(40)) & np.uint64(BUCKETS - 1)).astype(np.intp)
    kinds = ((keys >> np.uint64(20)) & np.uint64(1)).astype(np.intp)  # see _SIGNED_WEIGHTS
    kinds[: len(words)] += 2 * stop
    kinds[len(words) :] += 4
    return owners.take(np.concatenate([starts, centres])), buckets, _SIGNED_WEIGHTS.take(kinds)


def _text_hash(word: str) -> int:
    """_word_hashes for one word, in plain Python (for the stopword table)."""
    value = 0
    for byte in word.encode():
        value = (value * int(_P) + byte + 1) % 2**64
    return value


_STOP_HASHES = np.array(sorted(_text_hash(w) for w in STOPWORDS), dtype=np.uint64)


def warm_powers() -> None:
    """Make the kept powers of P now (at start-up), not on the first request."""
    _powers(1)
