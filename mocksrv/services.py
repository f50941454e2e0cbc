"""The one object every handler reads its collaborators from (no argument sprawl)."""

from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import web

from .catalog import Catalog, load_catalog
from .config import ServerConfig
from .fast.memo import BodyCache, RequestMemo
from .live import Hub
from .metrics import Metrics
from .model_book import ModelBook
from .scenarios import ScenarioBook
from .schemas import SchemaRegistry
from .state import StateStore
from .store import FixtureStore


@dataclass(frozen=True)
class Loaded:
    """What the fixture, scenario and model files gave: replaced as one (reload.py)."""

    fixtures: FixtureStore
    scenarios: ScenarioBook
    catalog: Catalog = field(default_factory=load_catalog)  # the one model table


@dataclass
class Services:
    config: ServerConfig
    schemas: SchemaRegistry
    state: StateStore
    loaded: Loaded
    live: Hub = field(default_factory=Hub)  # journal entries pushed to the inspector page
    metrics: Metrics = field(default_factory=Metrics)  # one registry per server
    memo: BodyCache = field(default_factory=RequestMemo)  # repeated bodies parsed once (fast/memo.py)
    model_book: ModelBook = field(default_factory=ModelBook)  # run-time additions to the catalog

    @property
    def fixtures(self) -> FixtureStore:
        return self.loaded.fixtures

    @property
    def scenarios(self) -> ScenarioBook:
        return self.loaded.scenarios

    @property
    def catalog(self) -> Catalog:
        return self.loaded.catalog


SERVICES = web.AppKey("mocksrv.services", Services)
