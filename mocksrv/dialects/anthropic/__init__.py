"""Anthropic: the Messages API, its wire details (ids, headers) and errors."""
