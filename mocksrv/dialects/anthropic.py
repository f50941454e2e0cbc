"""Anthropic Messages API (stub: being written)."""

from __future__ import annotations

from .base import AuthScheme, Dialect


class AnthropicMessages(Dialect):
    name = "anthropic"
    prefix = "/anthropic"
    base_path = "/anthropic"
    routes = ()
    auth = AuthScheme(bearer=True, headers=("x-api-key",))
    auth_hint = "x-api-key (or Bearer) + anthropic-version"
    schema_dir = "anthropic"
