"""The files' part of the services: fixtures, scenarios and models, loaded and checked.

Start-up and every `--watch` reload (reload.py) build the set the same way.
"""

from __future__ import annotations

from . import loader
from .catalog import load_catalog
from .config import ServerConfig
from .errors import ConfigError
from .resources import FIXTURES_DIR
from .scenarios import ScenarioBook
from .schemas import SchemaRegistry
from .services import Loaded
from .state import StateStore
from .store import FixtureStore


def load_files(config: ServerConfig, schemas: SchemaRegistry, state: StateStore) -> Loaded:
    """Fixtures, scenarios and models from every file: at start-up, and again on each reload."""
    bundled = loader.load([FIXTURES_DIR], schemas) if config.bundled_fixtures else loader.Documents()
    custom = loader.load(list(config.fixture_dirs), schemas)
    scenarios = ScenarioBook(
        state,
        bundled.scenarios + custom.scenarios,
        {**bundled.keys, **custom.keys},
        config.scenario,
        config.seed,
        config.max_delay_ms,
        custom.limits or bundled.limits,
    )
    if config.scenario and config.scenario not in scenarios.files:
        raise ConfigError([f"--scenario: no scenario named {config.scenario!r} is loaded"])
    fixtures = FixtureStore(state, custom, bundled, config.strict, config.fast_path)
    catalog = load_catalog(bundled.models + custom.models, schemas)
    return Loaded(fixtures, scenarios, catalog)
