"""The speed layer: everything that makes a repeated request cheap, apart from what it means.

The semantic pipeline (handler.py: intake, plan, choose, shape, render, write) answers every
request correctly on its own. These modules wrap it without changing a byte of any answer:

- memo.py: the per-body cache (decoded, validated and parsed once per body), with its
  pass-through twin; decided.py and rendered.py keep, with a body's entry, how it was
  answered (under a DecisionKey naming every input) and its answer rendered as a template.
- prebuilt.py: a dialect's success headers serialized once a second, not per answer.
- replayed.py: a request that comes again as the very same bytes on a kept-alive connection,
  answered from them before aiohttp parses it (what answered.py kept, under a fresh id).
- streamed.py: a stream rendered ahead, written in one go or paced from the timing wheel
  (wheel.py: one timer for every paced stream of a loop).
- fastcheck.py: request schemas compiled to Python (jsonschema still words every error).
- front.py: fixed paths routed by one dictionary lookup.
- arrival.py: when a request's bytes were read. Not a speed layer but an exactness one
  (scripted latency counts from there, however busy the loop): it lives here because it
  needs aiohttp's private names, and stays on with the switch off.
- bounded.py: the one eviction policy (oldest out first); the bounds are config.CacheLimits.
- seam.py: the only module touching aiohttp's private names; it checks the aiohttp series.

`MOCKSRV_FAST_PATH=0` (ServerConfig.fast_path, `serve --no-fast-path`) turns all of it off:
the suite passes both ways, with the same answers.
"""
