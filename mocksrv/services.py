"""The one object every handler reads its collaborators from (no argument sprawl)."""

from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import web

from .catalog import Catalog, load_catalog
from .config import ServerConfig
from .fast.memo import BodyCache, RequestMemo
from .live import Hub
from .metrics import Metrics
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
    memo: BodyCache = field(default_factory=RequestMemo)  # repeated bodies parsed once (fast/memo.py)
    catalog: Catalog = field(default_factory=load_catalog)  # the one model table


SERVICES = web.AppKey("mocksrv.services", Services)
