"""The catalog as a request sees it: the loaded table plus models added at run time.

Run-time entries (`POST /_mock/models`) live in the state store as documents, so every worker
and replica answers from the same table; the merged catalog is rebuilt only when they change.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from .catalog import Catalog, ModelInfo
from .state import StateStore

RUNTIME_MODELS = "models"


class ModelBook:
    def __init__(self) -> None:
        self._version: int = -1
        self._base: Catalog | None = None
        self._merged: Catalog | None = None
        self._latest: tuple[Catalog, Catalog] | None = None  # (base, what `current` answered)

    async def current(self, state: StateStore, base: Catalog) -> Catalog:
        version, documents = await state.documents(RUNTIME_MODELS)
        found = base
        if documents:
            if version != self._version or self._base is not base or self._merged is None:
                self._merged = base.extended(documents)
                self._version, self._base = version, base
            found = self._merged
        self._latest = (base, found)
        return found

    def latest(self, base: Catalog) -> Catalog:
        """What `current` last answered for this base (else the base): the catalog dialects read
        while parsing. The handler awaits `current` and then parses with no await between, so
        this is the request's own catalog."""
        latest = self._latest
        return latest[1] if latest is not None and latest[0] is base else base


def entry_of(model: ModelInfo) -> dict[str, Any]:
    """A catalog entry as JSON (what `GET /_mock/models` lists)."""
    entry = dataclasses.asdict(model)
    for name in ("modalities", "aliases"):
        entry[name] = list(entry[name])
    return entry
