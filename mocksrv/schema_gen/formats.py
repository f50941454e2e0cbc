"""Strings for the `format`s the providers list for structured output, built from a seeded rng."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable

_WORDS = ("alpha", "bravo", "delta", "echo", "kilo", "lima", "nova", "oscar", "sierra", "tango")


def _date(rng: random.Random) -> str:
    return f"{rng.randint(2000, 2030):04d}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def _time(rng: random.Random) -> str:
    return f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}Z"


def _word(rng: random.Random) -> str:
    return rng.choice(_WORDS)


def _host(rng: random.Random) -> str:
    return f"{_word(rng)}{rng.randint(1, 99)}.example.com"


def _ipv6(rng: random.Random) -> str:
    return ":".join(f"{rng.randint(0, 0xFFFF):x}" for _ in range(8))


FORMATS: dict[str, Callable[[random.Random], str]] = {
    "date-time": lambda rng: f"{_date(rng)}T{_time(rng)}",
    "date": _date,
    "time": _time,
    "duration": lambda rng: f"P{rng.randint(1, 30)}DT{rng.randint(0, 23)}H",
    "email": lambda rng: f"{_word(rng)}.{_word(rng)}@example.com",
    "idn-email": lambda rng: f"{_word(rng)}@example.com",
    "hostname": _host,
    "idn-hostname": _host,
    "ipv4": lambda rng: ".".join(str(rng.randint(1, 254)) for _ in range(4)),
    "ipv6": _ipv6,
    "uuid": lambda rng: str(uuid.UUID(int=rng.getrandbits(128), version=4)),
    "uri": lambda rng: f"https://{_host(rng)}/{_word(rng)}",
    "url": lambda rng: f"https://{_host(rng)}/{_word(rng)}",
    "iri": lambda rng: f"https://{_host(rng)}/{_word(rng)}",
    "uri-reference": lambda rng: f"/{_word(rng)}/{rng.randint(1, 999)}",
    "iri-reference": lambda rng: f"/{_word(rng)}/{rng.randint(1, 999)}",
    "json-pointer": lambda rng: f"/{_word(rng)}/{rng.randint(0, 9)}",
    "regex": lambda rng: "^[a-z]+$",
}
