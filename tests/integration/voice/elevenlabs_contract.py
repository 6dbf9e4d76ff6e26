"""A local HTTP server that speaks ElevenLabs' documented wire contract, for tests.

Paths, multipart/JSON field names, the ``xi-api-key`` header, the ``output_format`` query and
the error bodies (``{"detail": {"type", "code", "status", "message", "request_id"}}``) follow
the public API reference. Knobs let a test provoke each documented failure: a per-account
concurrency limit (429 ``too_many_concurrent_requests``), a number of ``system_busy``
answers, a character quota, and each model's character limit.
"""

from __future__ import annotations

import json
import socket
import subprocess
import threading
import uuid
from dataclasses import dataclass, field
from typing import Annotated, Any

import imageio_ffmpeg
import numpy as np
import uvicorn
from fastapi import FastAPI, File, Form, Header, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response

CHAR_LIMITS = {"eleven_multilingual_v2": 10_000, "eleven_flash_v2_5": 40_000, "eleven_v3": 5_000}
PREMADE = {"JBFqnCBsd6RMkjVDRZzb": "George"}
SECONDS_PER_CHAR = 0.02


@dataclass
class ContractState:
    api_key: str = "test-key"
    concurrency_limit: int = 100
    busy_answers: int = 0
    character_quota: int = 1_000_000
    processing_s: float = 0.0
    voices: dict[str, dict[str, Any]] = field(default_factory=dict)
    tts_requests: list[dict[str, Any]] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def error(status: int, code: str, message: str, type_: str = "invalid_request") -> JSONResponse:
    body = {
        "detail": {
            "type": type_,
            "code": code,
            "status": code,
            "message": message,
            "request_id": uuid.uuid4().hex,
        }
    }
    return JSONResponse(body, status_code=status)


def tone(seconds: float, output_format: str) -> tuple[bytes, str]:
    codec, _, rest = output_format.partition("_")
    rate = int(rest.split("_")[0])
    t = np.arange(int(seconds * rate)) / rate
    pcm = (0.3 * np.sin(2 * np.pi * 220 * t) * 32767).astype("<i2").tobytes()
    if codec == "pcm":
        return pcm, "audio/pcm"
    bitrate = rest.split("_")[1] if "_" in rest else "128"
    out = subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-v",
            "error",
            "-f",
            "s16le",
            "-ar",
            str(rate),
            "-ac",
            "1",
            "-i",
            "pipe:0",
            "-b:a",
            f"{bitrate}k",
            "-f",
            "mp3",
            "pipe:1",
        ],
        input=pcm,
        capture_output=True,
        check=True,
    )
    return out.stdout, "audio/mpeg"


def build_app(state: ContractState) -> FastAPI:
    app = FastAPI()

    def authorised(key: str | None) -> bool:
        return key == state.api_key

    @app.middleware("http")
    async def record(request: Request, call_next: Any) -> Any:
        response = await call_next(request)
        state.statuses.append(response.status_code)
        return response

    @app.post("/v1/voices/add")
    def add_voice(
        name: Annotated[str, Form()],
        files: Annotated[list[UploadFile], File()],
        description: Annotated[str | None, Form()] = None,
        labels: Annotated[str | None, Form()] = None,
        remove_background_noise: Annotated[bool, Form()] = False,
        xi_api_key: Annotated[str | None, Header()] = None,
    ) -> Any:
        if not authorised(xi_api_key):
            return error(401, "invalid_api_key", "Invalid API key", "authentication_error")
        parsed = json.loads(labels) if labels else None
        voice_id = uuid.uuid4().hex[:20]
        state.voices[voice_id] = {
            "name": name,
            "description": description,
            "labels": parsed if isinstance(parsed, dict) else {},
            "remove_background_noise": remove_background_noise,
            "files": [(f.filename, len(f.file.read())) for f in files],
        }
        return {"voice_id": voice_id, "requires_verification": False}

    @app.post("/v1/text-to-speech/{voice_id}")
    def text_to_speech(
        voice_id: str,
        body: dict[str, Any],
        output_format: Annotated[str, Query()] = "mp3_44100_128",
        xi_api_key: Annotated[str | None, Header()] = None,
    ) -> Any:
        if not authorised(xi_api_key):
            return error(401, "invalid_api_key", "Invalid API key", "authentication_error")
        if voice_id not in state.voices and voice_id not in PREMADE:
            return error(400, "voice_not_found", f"A voice with voice_id {voice_id} was not found.")
        text = str(body.get("text", ""))
        model = str(body.get("model_id", "eleven_multilingual_v2"))
        limit = CHAR_LIMITS.get(model, 10_000)
        if len(text) > limit:
            return error(
                400,
                "max_character_limit_exceeded",
                f"This request's text has {len(text)} characters and exceeds the "
                f"character limit of {limit} characters.",
                "validation_error",
            )
        with state.lock:
            if state.busy_answers > 0:
                state.busy_answers -= 1
                return error(
                    429, "system_busy", "Our services are experiencing high traffic.", "rate_limit_error"
                )
            if state.in_flight >= state.concurrency_limit:
                return error(
                    429,
                    "too_many_concurrent_requests",
                    "You have too many concurrent requests.",
                    "rate_limit_error",
                )
            if len(text) > state.character_quota:
                return error(
                    401, "quota_exceeded", "This request exceeds your quota.", "authentication_error"
                )
            state.character_quota -= len(text)
            state.in_flight += 1
            state.max_in_flight = max(state.max_in_flight, state.in_flight)
            state.tts_requests.append({"voice_id": voice_id, "output_format": output_format, **body})
        try:
            if state.processing_s:
                threading.Event().wait(state.processing_s)  # simulated synthesis work
            audio, media_type = tone(len(text) * SECONDS_PER_CHAR, output_format)
        finally:
            with state.lock:
                state.in_flight -= 1
        return Response(audio, media_type=media_type)

    @app.delete("/v1/voices/{voice_id}")
    def delete_voice(voice_id: str, xi_api_key: Annotated[str | None, Header()] = None) -> Any:
        if not authorised(xi_api_key):
            return error(401, "invalid_api_key", "Invalid API key", "authentication_error")
        if state.voices.pop(voice_id, None) is None:
            return error(400, "voice_not_found", f"A voice with voice_id {voice_id} was not found.")
        return {"status": "ok"}

    return app


class ContractServer:
    """uvicorn on 127.0.0.1 (a free port) in a background thread."""

    def __init__(self) -> None:
        self.state = ContractState()
        config = uvicorn.Config(
            build_app(self.state), host="127.0.0.1", port=0, log_level="warning", limit_concurrency=1000
        )
        self._server = uvicorn.Server(config)
        # Bound and listening before the thread starts: clients connect at once (the kernel
        # queues them until uvicorn accepts), so no start-up polling is needed.
        self._socket = socket.create_server(("127.0.0.1", 0))
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )

    def start(self) -> str:
        self._thread.start()
        return f"http://127.0.0.1:{self._socket.getsockname()[1]}"

    def reset(self) -> None:
        fresh = ContractState()
        for name in (
            "concurrency_limit",
            "busy_answers",
            "character_quota",
            "processing_s",
            "in_flight",
            "max_in_flight",
        ):
            setattr(self.state, name, getattr(fresh, name))
        self.state.voices.clear()
        self.state.tts_requests.clear()
        self.state.statuses.clear()

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()
