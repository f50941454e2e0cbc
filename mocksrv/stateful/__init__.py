"""Stateful Responses: stored responses, chained turns, background runs, conversations.

The handler calls three hooks (chain.py): `prepare` before a Responses request is answered
(the stored chain or conversation becomes part of its Turn), `keep` once its completion
exists (the response is stored), `failed` when a background run's request fails (the run
ends `failed`). api.py serves the read/write endpoints (GET/DELETE a response, its input
items, cancel, conversations). Everything lives in the state store (memory or Redis), so
every worker and replica sees the same responses.
"""

# api.py (the endpoints) is imported by the app alone: it uses the handler's response writers,
# and the handler uses chain.py's hooks.
