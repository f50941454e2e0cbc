"""The dialect table: every route mocksrv serves comes from here."""

from __future__ import annotations

from .anthropic import AnthropicMessages
from .azure import AzureChat
from .base import Dialect
from .gemini import GeminiGenerate
from .maisi import MaisiChat, MaisiGemini, MaisiMessages, MaisiResponses
from .mountsea import MountseaChat, MountseaResponses
from .ollama import OllamaAPI, OllamaOpenAI
from .opeai import OpeaiChat
from .openai_chat import OpenAIChat
from .openai_responses import OpenAIResponses
from .wrapped import WrappedChat
from .wuinai import WuinaiChat

# Order matters only for display and for which class renders 404s under a shared prefix
# (the first one listed for that prefix).
DIALECT_CLASSES: tuple[type[Dialect], ...] = (
    OpenAIChat,
    OpenAIResponses,
    AnthropicMessages,
    GeminiGenerate,
    WuinaiChat,
    MountseaChat,
    MountseaResponses,
    OpeaiChat,
    MaisiChat,
    MaisiResponses,
    MaisiMessages,
    MaisiGemini,
    WrappedChat,
    AzureChat,
    OllamaAPI,
    OllamaOpenAI,
)


def all_dialects() -> tuple[Dialect, ...]:
    return tuple(cls() for cls in DIALECT_CLASSES)


def dialect_names() -> tuple[str, ...]:
    return tuple(dict.fromkeys(cls.name for cls in DIALECT_CLASSES))


__all__ = ["DIALECT_CLASSES", "Dialect", "all_dialects", "dialect_names"]
