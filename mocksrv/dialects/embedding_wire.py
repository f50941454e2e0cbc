"""What every embeddings endpoint shares: the vectors of a completion, their wire encodings.

Vectors are computed at render time from the turn's inputs and the server's --seed
(vectors.py), or come from a fixture's pinned `embedding`; either way the same request gives
the same bytes.
"""

from __future__ import annotations

import numpy as np
import orjson
from pybase64 import b64encode_as_string

from .. import vectors
from ..catalog import Catalog, ModelInfo
from ..model import Completion, Turn

DEFAULT_DIMENSIONS = 1536  # an embedding model the catalog does not know

_last: list[tuple[Turn, object, np.ndarray]] = []  # the last computation (see vectors_of)


def full_size(info: ModelInfo) -> int:
    return min(info.dimensions or DEFAULT_DIMENSIONS, vectors.MAX_DIMENSIONS)


def prepare_vectors(catalog: Catalog, seed: int) -> int:
    """Server start-up: the projections of the catalog's embedding sizes (vectors.prepare)."""
    models = [*catalog.models.values(), *catalog.defaults.values()]  # (Ollama's default has a size)
    sizes = [full_size(info) for info in models if info.kind == "embedding" or info.dimensions]
    return vectors.prepare(seed, sizes)


def vectors_of(
    completion: Completion, turn: Turn, seed: int, normalize_cut: bool = True, unit: bool = True
) -> np.ndarray:
    """One row per input (vectors.embed's `normalize_cut` and `unit`). Kept for the very next
    call with the same turn and choices: the render cache (rendered.py) renders a new body
    twice in a row. `turn.extras["vector_model"]`, when set, is the model the vectors are
    made for (names a provider treats as one, such as Ollama's `m` and `m:latest`)."""
    if _last and _last[0][0] is turn and _last[0][1] is completion.choices:
        return _last[0][2]
    full, size = turn.extras["full_dimensions"], turn.extras.get("dimensions")
    pinned = completion.choices[0].embedding if completion.choices else None
    if pinned is not None:
        one = vectors.pinned(pinned, size, normalize_cut)
        result = np.repeat(one[None, :], len(turn.inputs), axis=0)
    else:
        model = turn.extras.get("vector_model") or turn.model
        result = vectors.embed(turn.inputs, model, seed, full, size, normalize_cut, unit)
    _last[:] = [(turn, completion.choices, result)]
    return result


def as_float_list(vector: np.ndarray) -> orjson.Fragment:
    """The vector as a JSON array of float32 values (shortest form that reads back the same)."""
    return orjson.Fragment(orjson.dumps(vector, option=orjson.OPT_SERIALIZE_NUMPY))


def as_base64(rows: np.ndarray) -> list[str]:
    """Each row's little-endian float32 bytes in base64, as the OpenAI SDKs decode them: encoded
    straight from the array's memory (a row of a C-contiguous array is a contiguous buffer), by
    pybase64's SIMD encoder (the standard library's takes 14 times as long, as long as all
    the rest of an answer's rendering)."""
    rows = np.ascontiguousarray(rows, dtype="<f4")
    return [b64encode_as_string(row) for row in rows]
