"""Embedding vectors that behave: deterministic, unit length and lexically meaningful.

A text's salted bucket weights (features.py: its words and word pieces, hashed into BUCKETS
signed buckets) go through a seeded Gaussian random projection to the model's dimensions.
Random projections keep cosines, so two texts' cosine follows the weight of the features they
share (docs/embeddings.md states the contract).

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
from collections.abc import Iterable, Sequence

import numpy as np  # (mocksrv/__init__.py caps its BLAS threads at one)

from .config import CACHE_LIMITS
from .fast.bounded import BoundedTable
from .features import BUCKETS, salt_of, used_weights, warm_powers

BLOCK = 256  # projection columns made at a time (seeded per block: any prefix is stable)
ROWS = 8  # the matrix product has a multiple of this many rows (see above)
SPAN = 256  # the buckets OpenBLAS sums as one block (see above)
MAX_DIMENSIONS = 8192  # the longest vector mocksrv makes (catalog or fixture models)
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
    warm_powers()
    return len(wanted)


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
    used, weights = used_weights(texts, salt_of(model, seed), rows)
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
