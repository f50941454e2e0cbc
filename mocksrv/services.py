"""The one object every handler reads its collaborators from (no argument sprawl)."""

from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import web

from .catalog import Catalog, load_catalog
from .config import ServerConfig
from .live import Hub
from .memo import RequestMemo
from .metrics import Metrics
from .model_book import ModelBook
from .scenarios import ScenarioBook
from .schemas import SchemaRegistry
from .state import StateStore
from .store import FixtureStore


@dataclass
class Services:
    config: ServerConfig
    schemas: SchemaRegistry
    state: StateStore
    fixtures: FixtureStore
    scenarios: ScenarioBook
    live: Hub = field(default_factory=Hub)  # journal entries pushed to the inspector page
    metrics: Metrics = field(default_factory=Metrics)  # one registry per server
    memo: RequestMemo = field(default_factory=RequestMemo)  # repeated bodies parsed once
    catalog: Catalog = field(default_factory=load_catalog)  # the one model table
    model_book: ModelBook = field(default_factory=ModelBook)  # plus run-time additions


SERVICES = web.AppKey("mocksrv.services", Services)
