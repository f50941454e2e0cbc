"""Random ids for requests and completions (unique, not part of any seeded answer)."""

from __future__ import annotations

import os
import random

_ids = random.Random()
os.register_at_fork(after_in_child=_ids.seed)  # forked workers must not repeat each other's ids


def new_hex_id() -> str:
    """32 random hex digits, like uuid4().hex. Not os.urandom: a system call per id shows up in
    the benchmark; this generator is seeded from the OS, and again in every forked worker.
    (randbytes().hex() takes a third less time than formatting a 128-bit integer.)"""
    return _ids.randbytes(16).hex()
