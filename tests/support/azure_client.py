"""`openai.AzureOpenAI` pointed at a test server's `/azure` mount, and the fixture folders the
Azure tests load (tests/data/azure declares deployments)."""

from __future__ import annotations

from pathlib import Path

import openai

AZURE_FIXTURES = Path(__file__).parents[1] / "data" / "azure"
TEST_FIXTURES = Path(__file__).parents[1] / "data" / "fixtures"
VERSION = "2024-10-21"


def azure(server, key: str | None = None, token: str | None = None, **options) -> openai.AzureOpenAI:
    """An API key (`api-key` header) or an Entra ID token (Bearer); no retries unless asked."""
    options.setdefault("max_retries", 0)
    credential = {"azure_ad_token": token} if token else {"api_key": key}
    return openai.AzureOpenAI(
        azure_endpoint=server.url + "/azure",
        api_version=options.pop("api_version", VERSION),
        **credential,
        **options,
    )
