"""The model catalog: one table of models per family with limits, kinds and prices.

It is the single source for `/models` answers, context and output limit errors, embedding
sizes, which models think (cross-turn checks) and costs. The bundled table is
models/catalog.yaml; a fixture directory's `models:` section adds or replaces entries.
A name the table does not know gets its family's defaults (`known` False), so a mock does not
break on a new model name; `--known-models` turns that into the provider's not-found.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from .errors import ConfigError
from .resources import MODELS_DIR

if TYPE_CHECKING:
    from .schemas import SchemaRegistry

CATALOG_FILE = MODELS_DIR / "catalog.yaml"
FAMILIES = ("openai", "anthropic", "gemini", "ollama")
PER_MILLION = 1_000_000


@dataclass(frozen=True, slots=True)
class Prices:
    """US dollars per million tokens; None where the provider does not charge (or publish)."""

    input: float | None = None
    cached_input: float | None = None
    cache_write: float | None = None
    cache_write_1h: float | None = None
    output: float | None = None


@dataclass(frozen=True, slots=True)
class Usage:
    """Tokens of one answer as a bill counts them: input that was neither read from nor
    written to a cache, cache reads, cache writes (5-minute and 1-hour TTL), output."""

    input: int = 0
    cached_input: int = 0
    cache_write: int = 0
    cache_write_1h: int = 0
    output: int = 0


@dataclass(frozen=True, slots=True)
class ModelInfo:
    id: str
    family: str
    kind: str = "chat"  # chat | reasoning | embedding | moderation | completion
    context_window: int = 128_000
    max_output_tokens: int = 16_384
    modalities: tuple[str, ...] = ("text",)
    dimensions: int | None = None  # embedding models: the full vector's length
    shortenable: bool = False  # accepts a smaller `dimensions` / `outputDimensionality`
    thinking: bool = False
    thought_signatures: bool = False  # Gemini: function calls must come back with their signature
    cache_min_tokens: int = 1024  # the shortest prompt prefix the provider caches
    display_name: str = ""
    owned_by: str = ""
    created: int = 0
    aliases: tuple[str, ...] = ()
    deployments: tuple[str, ...] = ()  # names a deployment-based provider (Azure) serves it under
    prices: Prices = field(default_factory=Prices)
    known: bool = True  # False: an unknown name answered with its family's defaults

    def cost(self, usage: Usage) -> float:
        """What the usage costs in US dollars at this model's prices (unpriced parts are free)."""
        p = self.prices
        base = p.input or 0.0  # cache reads and writes without their own price cost as input
        dollars = (
            usage.input * base
            + usage.cached_input * (base if p.cached_input is None else p.cached_input)
            + usage.cache_write * (base if p.cache_write is None else p.cache_write)
            + usage.cache_write_1h * (base if p.cache_write_1h is None else p.cache_write_1h)
            + usage.output * (p.output or 0.0)
        )
        return dollars / PER_MILLION  # one expression: this runs for every generated answer


def _model(entry: Mapping[str, Any]) -> ModelInfo:
    values = dict(entry)
    values["prices"] = Prices(**(values.get("prices") or {}))
    for name in ("modalities", "aliases", "deployments"):
        if name in values:
            values[name] = tuple(values[name])
    return ModelInfo(**values)


class Catalog:
    """Models by id and alias; unknown names resolve to a dated snapshot's base or a default."""

    def __init__(self, models: Iterable[ModelInfo], defaults: Mapping[str, ModelInfo]):
        self.models: dict[str, ModelInfo] = {}
        self._names: dict[str, ModelInfo] = {}
        self._deployments: dict[str, ModelInfo] = {}
        self.defaults = dict(defaults)
        for model in models:
            self.add(model)

    def add(self, model: ModelInfo) -> None:
        """Add or replace (a later entry with the same id wins, keeping its place)."""
        self.models[model.id] = model
        for name in (model.id, *model.aliases):
            self._names[name] = model
        for name in model.deployments:
            self._deployments[name] = model

    @property
    def declares_deployments(self) -> bool:
        """Some model names deployments: then no other deployment name exists."""
        return bool(self._deployments)

    def deployment(self, name: str) -> ModelInfo | None:
        return self._deployments.get(name)

    def known(self, name: str) -> ModelInfo | None:
        """The entry for a name, an alias, or a dated snapshot of a known id
        (`gpt-4o-2024-08-06` is gpt-4o; `models/` prefixes, as Gemini sends them, are ignored)."""
        name = name.removeprefix("models/")
        if name in self._names:
            return self._names[name]
        base = name
        while "-" in base:
            base = base.rsplit("-", 1)[0]
            if base in self._names:
                return self._names[base]
        return None

    def find(self, name: str, family: str) -> ModelInfo:
        """The entry, else the family's defaults under this name (`known` False)."""
        found = self.known(name)
        if found is not None:
            return found
        default = self.defaults.get(family) or ModelInfo(id=name, family=family)
        return replace(default, id=name.removeprefix("models/"), known=False)

    def extended(self, entries: Iterable[Mapping[str, Any]]) -> Catalog:
        """A copy with these entries added (or replacing same-id ones)."""
        catalog = Catalog(self.models.values(), self.defaults)
        for entry in entries:
            catalog.add(_model(entry))
        return catalog

    def of_family(self, family: str) -> list[ModelInfo]:
        return [m for m in self.models.values() if m.family == family]


def _defaults(raw: Mapping[str, Any]) -> dict[str, ModelInfo]:
    return {family: _model({"id": "", "family": family, **limits}) for family, limits in raw.items()}


def load_catalog(
    extra: Iterable[Mapping[str, Any]] = (),
    schemas: SchemaRegistry | None = None,
    path: Path = CATALOG_FILE,
) -> Catalog:
    """The bundled table (checked against its schema when `schemas` is given, as at start-up)
    plus `models:` entries from fixture directories (checked by the loader)."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError([f"{path}: /: cannot read the model catalog: {exc}"]) from None
    if schemas is not None and (problems := schemas.violations("models", raw)):
        raise ConfigError([f"{path}: {problem}" for problem in problems])
    catalog = Catalog((_model(e) for e in raw["models"]), _defaults(raw.get("defaults") or {}))
    for entry in extra:
        catalog.add(_model(entry))
    return catalog


_bundled: list[Catalog] = []


def bundled_catalog() -> Catalog:
    """The bundled table, loaded once per process (for dialects made without a catalog)."""
    if not _bundled:
        _bundled.append(load_catalog())
    return _bundled[0]
