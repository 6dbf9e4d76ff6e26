"""ElevenLabs over plain httpx, following the public REST API.

Endpoints: ``POST /v1/voices/add`` (instant voice clone, multipart), ``POST
/v1/text-to-speech/{voice_id}`` (JSON body, ``output_format`` query) and ``DELETE
/v1/voices/{voice_id}``; the key goes in the ``xi-api-key`` header. Errors arrive as
``{"detail": {"code"|"status": ..., "message": ...}}`` and are mapped to our own exceptions.

Two kinds of 429 need opposite handling: ``too_many_concurrent_requests`` means *our* account
has too many requests in flight, so the request goes back into the local queue (bounded by
``max_concurrency``) until one of ours finishes; ``system_busy`` means *their* servers are
loaded, so we back off exponentially and retry.

Verified here only against the contract server in ``tests/integration/voice`` (which the
official ``elevenlabs`` SDK also talks to); no call to the real service was made.
"""

from __future__ import annotations

import json
import random
import re
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from flowai.voice.audio import Audio, decode_bytes
from flowai.voice.engines.base import (
    CreatedVoice,
    EngineBusy,
    EngineError,
    InvalidApiKey,
    QuotaExceeded,
    TextTooLong,
    VoiceNotFound,
)

DEFAULT_BASE_URL = "https://api.elevenlabs.io"
#: A premade voice available on every account ("George").
DEFAULT_VOICE_ID = "JBFqnCBsd6RMkjVDRZzb"

#: Characters per request, by model (ElevenLabs help centre, "Error Code 400 or 401").
MODEL_CHARACTER_LIMITS: dict[str, int] = {
    "eleven_v3": 5_000,
    "eleven_flash_v2_5": 40_000,
    "eleven_turbo_v2_5": 40_000,
    "eleven_flash_v2": 30_000,
    "eleven_turbo_v2": 30_000,
    "eleven_multilingual_v2": 10_000,
    "eleven_multilingual_v1": 10_000,
    "eleven_monolingual_v1": 10_000,
}

_ERRORS: dict[str, type[EngineError]] = {
    "invalid_api_key": InvalidApiKey,
    "voice_not_found": VoiceNotFound,
    "quota_exceeded": QuotaExceeded,
    "max_character_limit_exceeded": TextTooLong,
}
#: 429 codes meaning "you have too many requests in flight" (legacy and current names).
_CONCURRENCY_CODES = {"too_many_concurrent_requests", "concurrent_limit_exceeded"}


def split_text(text: str, limit: int) -> list[str]:
    """Pack whole sentences into chunks of at most ``limit`` characters.

    A single sentence longer than the limit is split at the last comma or space that fits.
    """
    sentences = [s for s in re.split(r"(?<=[.!?…])\s+", text.strip()) if s]
    chunks: list[str] = []
    current = ""
    for sentence in sentences:
        while len(sentence) > limit:
            cut = max(sentence.rfind(", ", 0, limit), sentence.rfind(" ", 0, limit))
            cut = cut + 1 if cut > 0 else limit
            if current:
                chunks.append(current)
                current = ""
            chunks.append(sentence[:cut].strip())
            sentence = sentence[cut:].strip()
        candidate = f"{current} {sentence}" if current else sentence
        if len(candidate) <= limit:
            current = candidate
        else:
            chunks.append(current)
            current = sentence
    if current:
        chunks.append(current)
    return chunks


class ElevenLabsEngine:
    """``VoiceEngine`` backed by the ElevenLabs API."""

    name = "elevenlabs"

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        model_id: str = "eleven_multilingual_v2",
        output_format: str = "mp3_44100_128",
        voice_settings: dict[str, Any] | None = None,
        default_voice_id: str = DEFAULT_VOICE_ID,
        max_concurrency: int = 2,
        max_retries: int = 5,
        backoff_s: float = 1.0,
        max_queue_wait_s: float = 300.0,
        timeout_s: float = 120.0,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.model_id = model_id
        self.output_format = output_format
        self.voice_settings = voice_settings
        self.default_voice_id = default_voice_id
        self.max_concurrency = max_concurrency
        self.max_retries = max_retries
        self.backoff_s = backoff_s
        self.max_queue_wait_s = max_queue_wait_s
        self._sleep = sleep
        self._slots = threading.BoundedSemaphore(max_concurrency)
        self._finished = threading.Condition()
        self._client = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers={"xi-api-key": api_key},
            timeout=timeout_s,
            transport=transport,
        )

    def close(self) -> None:
        self._client.close()

    @property
    def character_limit(self) -> int:
        return MODEL_CHARACTER_LIMITS.get(self.model_id, 5_000)

    # -- requests ---------------------------------------------------------------------------

    def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """One request through the local queue, with the 429 policies applied."""
        busy_attempts = 0
        queued_since: float | None = None
        while True:
            with self._slots:
                response = self._client.request(method, url, **kwargs)
            with self._finished:
                self._finished.notify_all()
            if response.status_code < 400:
                return response
            code, message = _error_of(response)
            if response.status_code == 429 and code in _CONCURRENCY_CODES:
                queued_since = queued_since or time.monotonic()
                if time.monotonic() - queued_since > self.max_queue_wait_s:
                    raise EngineBusy(f"ElevenLabs concurrency limit held for too long: {message}")
                with self._finished:  # wait for one of our other requests to finish
                    self._finished.wait(timeout=self.backoff_s)
                continue
            if response.status_code == 429 or response.status_code >= 500:
                busy_attempts += 1
                if busy_attempts > self.max_retries:
                    raise EngineBusy(f"ElevenLabs stayed busy after {self.max_retries} retries: {message}")
                delay = self.backoff_s * 2 ** (busy_attempts - 1)
                self._sleep(delay * random.uniform(0.5, 1.0))
                continue
            raise _ERRORS.get(code, EngineError)(f"ElevenLabs: {message or code}")

    # -- VoiceEngine ------------------------------------------------------------------------

    def create_voice(
        self,
        *,
        name: str,
        samples: Sequence[Path],
        description: str | None = None,
        labels: dict[str, str] | None = None,
        remove_background_noise: bool = False,
    ) -> CreatedVoice:
        data: dict[str, str] = {
            "name": name,
            "remove_background_noise": "true" if remove_background_noise else "false",
        }
        if description:
            data["description"] = description
        if labels:
            data["labels"] = json.dumps(labels)
        files = [("files", (p.name, p.read_bytes(), "application/octet-stream")) for p in samples]
        body = self._send("POST", "/v1/voices/add", data=data, files=files).json()
        return CreatedVoice(
            voice_id=str(body["voice_id"]),
            requires_verification=bool(body.get("requires_verification", False)),
        )

    def synthesize(self, *, text: str, voice_id: str | None, profile: dict[str, Any] | None = None) -> Audio:
        """Speak ``text``; chunks go out in parallel under the concurrency limit, in order back."""
        chunks = split_text(text, self.character_limit)
        if not chunks:
            raise ValueError("The text has nothing to say.")
        vid = voice_id or self.default_voice_id

        def one(i: int) -> Audio:
            body: dict[str, Any] = {"text": chunks[i], "model_id": self.model_id}
            if self.voice_settings:
                body["voice_settings"] = self.voice_settings
            if i > 0:
                body["previous_text"] = chunks[i - 1]
            if i + 1 < len(chunks):
                body["next_text"] = chunks[i + 1]
            response = self._send(
                "POST",
                f"/v1/text-to-speech/{vid}",
                params={"output_format": self.output_format},
                json=body,
            )
            return self._decode(response.content)

        with ThreadPoolExecutor(max_workers=self.max_concurrency) as pool:
            parts = list(pool.map(one, range(len(chunks))))
        rate = parts[0].sample_rate
        return Audio(np.concatenate([p.samples for p in parts]), rate)

    def _decode(self, data: bytes) -> Audio:
        codec, _, rest = self.output_format.partition("_")
        if codec == "pcm":
            rate = int(rest.split("_")[0])
            pcm = np.frombuffer(data, dtype="<i2").astype(np.float32) / 32768.0
            return Audio(pcm, rate)
        return decode_bytes(data, suffix=f".{codec}")

    def delete_voice(self, *, voice_id: str) -> None:
        self._send("DELETE", f"/v1/voices/{voice_id}")


def _error_of(response: httpx.Response) -> tuple[str, str]:
    """(code, message) from an error body; ``code`` falls back to the legacy ``status``."""
    try:
        detail = response.json().get("detail")
    except (ValueError, AttributeError):
        return f"http_{response.status_code}", response.text[:200]
    if isinstance(detail, dict):
        code = str(detail.get("code") or detail.get("status") or f"http_{response.status_code}")
        return code, str(detail.get("message", ""))
    return f"http_{response.status_code}", str(detail)[:200]
