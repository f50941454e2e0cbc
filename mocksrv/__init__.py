"""mocksrv: a faithful, scriptable simulator of LLM provider HTTP APIs."""

import os

# Embedding vectors are one small matrix product per request (vectors.py): BLAS threads would
# only spin on the cores the event loop (and other workers) need. Read when numpy loads, so set
# before any mocksrv module imports it.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

__version__ = "0.1.0"
