"""How to reach each OpenAI-compatible dialect with the official openai SDK."""

from __future__ import annotations

from dataclasses import dataclass

import openai

from mocksrv.testing import MockServer


@dataclass(frozen=True)
class Family:
    name: str
    wrapped: bool = False  # the JSON body sits under "data"

    def client(self, server: MockServer, key: str, **options) -> openai.OpenAI:
        options.setdefault("max_retries", 0)
        if self.name == "wuinai":
            headers = {
                "wuinai-access-key": key,
                "wuinai-access-token": "signature",
                **options.pop("default_headers", {}),
            }
            return openai.OpenAI(
                base_url=server.base_url("wuinai"), api_key="ignored", default_headers=headers, **options
            )
        return openai.OpenAI(base_url=server.base_url(self.name), api_key=key, **options)

    def auth_headers(self, key: str) -> dict[str, str]:
        if self.name == "wuinai":
            return {"wuinai-access-key": key, "wuinai-access-token": "signature"}
        return {"Authorization": f"Bearer {key}"}

    def chat_url(self, server: MockServer) -> str:
        return server.base_url(self.name) + "/chat/completions"


FAMILY = [
    Family("openai"),
    Family("wuinai"),
    Family("mountsea"),
    Family("opeai"),
    Family("maisi"),
    Family("wrapped", True),
]
FAMILY_IDS = [f.name for f in FAMILY]


def create_json(family: Family, client: openai.OpenAI, **params) -> dict:
    """The raw JSON body of a non-streamed completion, unwrapped for the wrapped gateway."""
    raw = client.chat.completions.with_raw_response.create(**params)
    body = raw.http_response.json()
    return body["data"] if family.wrapped else body
