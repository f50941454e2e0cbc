"""The one object every handler reads its collaborators from (no argument sprawl)."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from .config import ServerConfig
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


SERVICES = web.AppKey("mocksrv.services", Services)
