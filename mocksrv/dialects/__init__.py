"""The dialect table: every route mocksrv serves comes from here."""

from __future__ import annotations

from collections.abc import Callable

from ..catalog import Catalog
from ..signing import DEFAULT_SIGNER, Signer
from .anthropic.messages import AnthropicMessages
from .anthropic.vertex import VertexAnthropic
from .azure import AzureChat, AzureCompletions, AzureEmbeddings
from .base import Dialect, RouteSpec
from .bedrock.converse import BedrockConverse
from .bedrock.invoke import BedrockInvoke
from .gateways.maisi import MaisiChat, MaisiGemini, MaisiMessages, MaisiResponses
from .gateways.mountsea import MountseaChat, MountseaResponses
from .gateways.opeai import OpeaiChat
from .gateways.wrapped import WrappedChat
from .gateways.wuinai import WuinaiChat
from .gemini.embed import GeminiEmbed
from .gemini.generate import GeminiGenerate
from .gemini.vertex import VertexGemini
from .ollama import OllamaAPI, OllamaOpenAI
from .openai.chat import OpenAIChat
from .openai.completions import OpenAICompletions
from .openai.embeddings import MaisiEmbeddings, OpeaiEmbeddings, OpenAIEmbeddings, WrappedEmbeddings
from .openai.moderations import OpenAIModerations
from .openai.responses import OpenAIResponses

# Order matters only for display and for which class renders 404s under a shared prefix
# (the first one listed for that prefix).
DIALECT_CLASSES: tuple[type[Dialect], ...] = (
    OpenAIChat,
    OpenAIResponses,
    OpenAIEmbeddings,
    OpenAIModerations,
    OpenAICompletions,
    AnthropicMessages,
    GeminiGenerate,
    GeminiEmbed,
    WuinaiChat,
    MountseaChat,
    MountseaResponses,
    OpeaiChat,
    OpeaiEmbeddings,
    MaisiChat,
    MaisiEmbeddings,
    MaisiResponses,
    MaisiMessages,
    MaisiGemini,
    WrappedChat,
    WrappedEmbeddings,
    AzureChat,
    AzureEmbeddings,
    AzureCompletions,
    OllamaAPI,
    OllamaOpenAI,
    VertexGemini,
    VertexAnthropic,
    BedrockConverse,
    BedrockInvoke,
)


def all_dialects(
    signer: Signer = DEFAULT_SIGNER, seed: int = 0, catalog: Catalog | Callable[[], Catalog] | None = None
) -> tuple[Dialect, ...]:
    """One instance of each dialect, signing what it hands out with `signer` (signing.py);
    `seed` and `catalog` for answers computed from them (embedding vectors)."""
    dialects = tuple(cls(seed, catalog) for cls in DIALECT_CLASSES)
    for dialect in dialects:
        dialect.signer = signer
    return dialects


def dialect_names() -> tuple[str, ...]:
    return tuple(dict.fromkeys(cls.name for cls in DIALECT_CLASSES))


def route_table(dialects: tuple[Dialect, ...], root: str | None) -> list[tuple[str, Dialect, RouteSpec]]:
    """(full path, dialect, route) for every endpoint; the root dialect is mounted twice."""
    table = [(d.prefix + r.path, d, r) for d in dialects for r in d.routes]
    table += [(r.path, d, r) for d in dialects if d.name == root for r in d.routes]
    return table


__all__ = ["DIALECT_CLASSES", "Dialect", "all_dialects", "dialect_names", "route_table"]
