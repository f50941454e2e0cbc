"""Seed gateways: thin dialects that reuse a family and override data."""
