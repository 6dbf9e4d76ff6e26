"""The engine Protocol every voice backend implements, and the errors they share.

An engine turns a cloning sample into a voice and text into speech in that voice. The service
stores what ``create_voice`` returns (the engine's voice id, and for engines that keep no
state of their own, the profile) and never talks to a vendor directly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from flowai.voice.audio import Audio


@dataclass(frozen=True)
class CreatedVoice:
    """A voice an engine made from samples.

    ``profile`` is set by engines whose voice lives with us (the local engine): a small
    JSON-serialisable document the service stores and hands back to ``synthesize``.
    """

    voice_id: str
    requires_verification: bool = False
    profile: dict[str, Any] | None = None
    metrics: dict[str, float] = field(default_factory=dict)


@runtime_checkable
class VoiceEngine(Protocol):
    """What the voice service needs from a TTS/cloning backend."""

    name: str

    def create_voice(
        self,
        *,
        name: str,
        samples: Sequence[Path],
        description: str | None = None,
        labels: dict[str, str] | None = None,
    ) -> CreatedVoice: ...

    def synthesize(self, *, text: str, voice_id: str | None, profile: dict[str, Any] | None = None) -> Audio:
        """Speak ``text``; ``voice_id=None`` means the engine's default voice."""
        ...

    def delete_voice(self, *, voice_id: str) -> None: ...


class EngineError(RuntimeError):
    """Base of engine failures; ``code`` is stable for the API, the message is for people."""

    code = "engine_error"
    retryable = False


class InvalidApiKey(EngineError):
    code = "invalid_api_key"


class VoiceNotFound(EngineError):
    code = "voice_not_found"


class QuotaExceeded(EngineError):
    code = "quota_exceeded"


class TextTooLong(EngineError):
    code = "max_character_limit_exceeded"


class EngineBusy(EngineError):
    """The engine stayed overloaded through every retry."""

    code = "engine_busy"
    retryable = True


class InvalidProfile(EngineError):
    code = "invalid_profile"
