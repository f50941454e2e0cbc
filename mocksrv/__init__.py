"""mocksrv: a faithful, scriptable simulator of LLM provider HTTP APIs."""

__version__ = "0.1.0"
