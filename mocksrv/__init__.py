"""mocksrv: a faithful, scriptable simulator of LLM provider HTTP APIs."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

# Embedding vectors are one small matrix product per request (vectors.py): BLAS threads would
# only spin on the cores the event loop (and other workers) need. Read when numpy loads, so set
# before any mocksrv module imports it.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

__version__ = "0.1.0"

__all__ = [
    "MockServer",
    "MockSrv",
    "MockSrvError",
    "RequestEntry",
    "ServerConfig",
    "__version__",
    "create_app",
]

if TYPE_CHECKING:
    from .app import create_app
    from .config import ServerConfig
    from .pytest_handle import MockSrv, MockSrvError, RequestEntry
    from .testing import MockServer

# Loaded on first use: `import mocksrv` (the pytest plugin, the CLI's --version) stays cheap.
_WHERE = {
    "create_app": "app",
    "ServerConfig": "config",
    "MockServer": "testing",
    "MockSrv": "pytest_plugin",
    "MockSrvError": "pytest_plugin",
    "RequestEntry": "pytest_plugin",
}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'mocksrv' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
    globals()[name] = value
    return value
