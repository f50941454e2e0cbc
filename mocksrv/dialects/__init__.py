"""The dialect table: every route mocksrv serves comes from here."""

from __future__ import annotations

from ..catalog import Catalog
from .anthropic import AnthropicMessages
from .base import Dialect
from .gemini import GeminiGenerate
from .gemini_embed import GeminiEmbed
from .maisi import MaisiChat, MaisiGemini, MaisiMessages, MaisiResponses
from .mountsea import MountseaChat, MountseaResponses
from .opeai import OpeaiChat
from .openai_chat import OpenAIChat
from .openai_completions import OpenAICompletions
from .openai_embeddings import MaisiEmbeddings, OpeaiEmbeddings, OpenAIEmbeddings, WrappedEmbeddings
from .openai_moderations import OpenAIModerations
from .openai_responses import OpenAIResponses
from .wrapped import WrappedChat
from .wuinai import WuinaiChat

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
)


def all_dialects(seed: int = 0, catalog: Catalog | None = None) -> tuple[Dialect, ...]:
    return tuple(cls(seed, catalog) for cls in DIALECT_CLASSES)


def dialect_names() -> tuple[str, ...]:
    return tuple(dict.fromkeys(cls.name for cls in DIALECT_CLASSES))


__all__ = ["DIALECT_CLASSES", "Dialect", "all_dialects", "dialect_names"]
