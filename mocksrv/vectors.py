"""Embedding vectors that behave: deterministic, unit length and lexically meaningful.

A text becomes a bag of hashed features: its words (lower-cased), and the byte 3-grams of the
words joined by single spaces (word pieces, so `embedding` and `embeddings` share most of
theirs). Each feature lands, with a sign, in one of BUCKETS buckets (the hash is salted with
the model name and --seed); the bucket weights go through a seeded Gaussian random projection
to the model's dimensions. Random projections keep cosines, so two texts' cosine
follows the weight of the features they share (docs/embeddings.md states the contract).

The vectors are one matrix product, (texts x BUCKETS) by (BUCKETS x D); a text's vector is bit
for bit the same alone or among others only if every product takes BLAS kernels that add in
the same order. So the product always has a multiple of ROWS rows (zero rows pad it: a lone
row would take a matrix-vector kernel) and at least BLOCK columns (OpenBLAS takes its
small-matrix kernels under about a million multiply-adds); tests/unit/test_vectors.py and
tests/dialects/test_embeddings.py check batches against single texts.

OpenBLAS sums the 512 buckets as two blocks of SPAN (a float32 sum per block, then the two
added); a bucket no text of the batch uses adds exact zeros to both. So `_product` takes each
block's used buckets only, in order, one product per block plus their sum: the same bits as the
full product, with the work of the buckets that carry weight (a batch of 100 short passages
uses about 300 of the 512; one short text, about 50). The used columns are column-major: a
small row-major product takes another OpenBLAS kernel, whose last bits differ.

The projection's column j depends only on (seed, j), so a vector's first d components are the
same whatever size is asked: a shorter vector is the prefix of the full one.
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Iterable, Sequence

import numpy as np  # (mocksrv/__init__.py caps its BLAS threads at one)

from .config import CACHE_LIMITS
from .fast.bounded import BoundedTable

BUCKETS = 512  # collisions add noise of about 1/sqrt(BUCKETS) to a cosine
BLOCK = 256  # projection columns made at a time (seeded per block: any prefix is stable)
ROWS = 8  # the matrix product has a multiple of this many rows (see above)
SPAN = 256  # the buckets OpenBLAS sums as one block (see above)
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
# (seed, columns) -> the (BUCKETS x columns) projection, float32 and row-major: BLAS copies the
# right-hand matrix into its own layout on every product, and a row-major one fastest (a
# transposed one takes twice as long, as long as the whole product for one text). Per model
# size, not one per seed: a prefix of a wider one would be strided, copied as slowly.
_projections: BoundedTable[tuple[int, int], np.ndarray] = BoundedTable(CACHE_LIMITS.projections)


def _projection(seed: int, columns: int) -> np.ndarray:
    """The seed's projection to `columns` dimensions (a model's full size, or BLOCK if smaller).
    Column j depends only on (seed, j): the first d columns of any of them are the same."""
    with _lock:
        made = _projections.get((seed, columns))
        if made is None:
            made = _projections.put((seed, columns), _made_projection(seed, columns))
        return made


def _made_projection(seed: int, columns: int) -> np.ndarray:
    """Block b's BLOCK columns drawn from the generator seeded (seed, b), written in place."""
    made = np.empty((BUCKETS, columns), dtype=np.float32)
    for low in range(0, columns, BLOCK):
        drawn = np.random.default_rng([seed & 0xFFFFFFFFFFFFFFFF, low // BLOCK]).standard_normal(
            (BLOCK, BUCKETS), dtype=np.float32
        )
        made[:, low : low + BLOCK] = drawn.T[:, : columns - low]
    return made


def prepare(seed: int, sizes: Iterable[int]) -> int:
    """Make the seed's projections for these vector sizes (the first ones the bound keeps) and
    the hash's power tables now, not on the first request that needs them (server start-up).
    Returns how many projections were made or found."""
    wanted = list(dict.fromkeys(max(size, BLOCK) for size in sizes))[: _projections.max_entries]
    for columns in wanted:
        _projection(seed, columns)
    _powers(1)
    return len(wanted)


def _salt(model: str, seed: int) -> np.uint64:
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
    rows = -(-len(texts) // ROWS) * ROWS  # zero rows up to a multiple of ROWS (see above)
    used, weights = used_weights(texts, _salt(model, seed), rows)
    scaled = size if normalize_cut else full  # the columns the unit length is measured over
    projection = _projection(seed, max(full, BLOCK))[:, : max(scaled, BLOCK)]  # (see above)
    vectors = _product(used, weights, projection)[: len(texts)]
    cut = vectors[:, :size]
    if unit:
        measured = vectors[:, :scaled]
        norms = np.sqrt(np.einsum("ij,ij->i", measured, measured)).astype(np.float32)[:, None]
        norms[norms == 0] = 1.0
        cut /= norms  # in place: a view of the product, which nothing else holds
    return np.ascontiguousarray(cut)


def _product(used: np.ndarray, weights: np.ndarray, projection: np.ndarray) -> np.ndarray:
    """The full product (rows x BUCKETS by the projection), bit for bit, from the used buckets'
    columns alone: one product per SPAN of buckets, then their sum (see above)."""
    total: np.ndarray | None = None
    split = int(np.searchsorted(used, SPAN))
    for low, high in ((0, split), (split, len(used))):
        if high > low:
            part = weights[:, low:high] @ projection.take(used[low:high], axis=0)
            total = part if total is None else np.add(total, part, out=total)
    if total is None:  # no text has a feature ("!!!"): zero vectors
        return np.zeros((weights.shape[0], projection.shape[1]), dtype=np.float32)
    return total


def pinned(vector: Sequence[float], dimensions: int | None, normalize_cut: bool = True) -> np.ndarray:
    """A fixture's vector, cut to `dimensions` like a made one (renormalized when asked)."""
    array = np.asarray(vector, dtype=np.float32)
    if dimensions and dimensions < len(array):
        array = array[:dimensions]
        norm = float(np.linalg.norm(array))
        if normalize_cut and norm:
            array = array / norm
    return np.ascontiguousarray(array, dtype=np.float32)
