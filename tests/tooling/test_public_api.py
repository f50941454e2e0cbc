"""The package's public surface: what `mocksrv.__all__` names, and that it stays true."""

from __future__ import annotations

import subprocess
import sys
from typing import get_type_hints

import openai

import mocksrv


def test_all_names_the_server_config_and_pytest_handle():
    assert set(mocksrv.__all__) == {
        "create_app",
        "ServerConfig",
        "MockServer",
        "MockSrv",
        "MockSrvError",
        "RequestEntry",
        "__version__",
    }
    for name in mocksrv.__all__:
        assert getattr(mocksrv, name) is not None
    assert mocksrv.MockSrv.requests.__annotations__["return"] == "list[RequestEntry]"


def test_importing_the_package_loads_no_server_module():
    """The pytest plugin imports `mocksrv` in every project: the server loads on first use."""
    probe = "import sys, mocksrv; print(sorted(m for m in sys.modules if m.startswith('mocksrv.')))"
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"


def test_request_entry_names_every_field_of_a_journal_entry(server, key):
    sdk = openai.OpenAI(base_url=server.base_url("openai"), api_key=key, max_retries=0)
    sdk.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "Hello"}])
    handle = mocksrv.MockSrv(server.url, session=key)
    [entry] = handle.requests()  # the session is the API key: shown redacted, found by its hash
    assert set(entry) == set(get_type_hints(mocksrv.RequestEntry))
    assert mocksrv.RequestEntry.__optional_keys__ == {"session_key"}
    assert entry["session"] != key and entry["status"] == 200 and entry["dialect"] == "openai"
