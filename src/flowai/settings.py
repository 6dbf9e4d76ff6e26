"""One settings object for the whole service: every knob is a `FLOWAI_*` environment variable.

The defaults are the embedded mode (SQLite, local media folder, in-process jobs), so `flowai serve`
needs no other service; production switches parts by setting URLs, never by code changes.
"""

from __future__ import annotations

import secrets
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class PlanLimits(BaseModel):
    """One plan's limits, in the `limits` library's notation ("600/minute")."""

    per_key: str = "60/minute"
    per_tenant: str = "600/minute"
    concurrent_jobs: int = 2


DEFAULT_PLANS = {
    "free": PlanLimits(per_key="60/minute", per_tenant="300/minute", concurrent_jobs=2),
    "pro": PlanLimits(per_key="600/minute", per_tenant="3000/minute", concurrent_jobs=5),
    "enterprise": PlanLimits(per_key="3000/minute", per_tenant="30000/minute", concurrent_jobs=20),
}


class Settings(BaseSettings):
    """Runtime configuration; the README's configuration table lists the same fields."""

    model_config = SettingsConfigDict(env_prefix="FLOWAI_", env_file=".env", extra="ignore")

    data_dir: Path = Field(Path(".flowai"), description="Folder for the SQLite file and local media")
    database_url: str | None = Field(
        None, description="SQLAlchemy URL; default sqlite:///<data_dir>/flowai.db"
    )
    database_admin_url: str | None = Field(
        None,
        description="Owner role for migrations and cross-tenant work; default: the database URL. "
        "On PostgreSQL point FLOWAI_DATABASE_URL at a role that owns no tables (row-level security)",
    )
    secret_key: str | None = Field(
        None, description="Signs URLs and sessions; default: generated once into <data_dir>/secret"
    )
    public_url: str = Field("http://127.0.0.1:8000", description="Base URL used in links")
    base_domain: str = Field("localhost", description="Tenants get <slug>.<base_domain>")
    dns_resolver: str | None = Field(
        None, description="host:port of the DNS server that verifies custom domains; unset: the system's"
    )
    log_level: str = Field("INFO", description="Python log level of the JSON logs")

    storage_backend: Literal["local", "s3"] = Field("local", description="Where media is kept")
    s3_endpoint_url: str | None = Field(None, description="S3 API endpoint (None: AWS)")
    s3_bucket: str = Field("flowai", description="S3 bucket")
    s3_region: str = Field("us-east-1", description="S3 region")
    s3_access_key_id: str | None = Field(None, description="S3 access key id")
    s3_secret_access_key: str | None = Field(None, description="S3 secret access key")
    signed_url_ttl_seconds: int = Field(3600, description="Lifetime of download URLs")
    max_upload_mb_image: int = Field(20, description="Upload limit for images (MiB)")
    max_upload_mb_audio: int = Field(200, description="Upload limit for audio (MiB)")
    max_upload_mb_video: int = Field(2048, description="Upload limit for video (MiB)")

    broker_url: str | None = Field(
        None, description="redis://… sends jobs through Dramatiq to `flowai worker` processes"
    )
    broker_namespace: str = Field("flowai", description="Redis key prefix of the job queue")
    worker_threads: int = Field(2, description="In-process job threads of `flowai serve`")
    job_lease_seconds: int = Field(
        30, description="A running job whose worker is silent this long is re-queued"
    )
    job_poll_seconds: float = Field(1.0, description="How often idle workers look for due jobs")
    job_modules: list[str] = Field(
        default_factory=list, description="Extra modules that register job kinds (JSON list)"
    )

    session_days: int = Field(14, description="Lifetime of a browser session")
    cookie_secure: bool = Field(False, description="Mark cookies Secure (set true behind HTTPS)")
    login_attempts_per_15min: int = Field(5, description="Failed logins allowed per account from one IP")
    login_account_attempts_per_15min: int = Field(
        100,
        description="Failed logins allowed per account from all IPs together (a guessing spread over many IPs)",
    )
    redis_url: str | None = Field(
        None, description="Redis shared by all API processes for rate limits; unset: in-memory"
    )
    plans: dict[str, PlanLimits] = Field(
        default_factory=lambda: dict(DEFAULT_PLANS),
        description="Request limits per API key/session and per tenant, and concurrent expensive jobs, by plan (JSON)",
    )

    supabase_jwt_secret: str | None = Field(None, description="HS256 secret of Supabase Auth")
    supabase_jwks_url: str | None = Field(None, description="JWKS URL of Supabase Auth")
    supabase_jwt_audience: str = Field("authenticated", description="Expected `aud` claim")

    webhook_allow_private: bool = Field(
        False, description="Let webhooks reach private/loopback addresses (dev and tests only)"
    )
    webhook_timeout_seconds: float = Field(15.0, description="Timeout of one webhook delivery request")
    webhook_retry_schedule: list[float] | None = Field(
        None,
        description="Seconds before each webhook attempt (JSON list); default 0, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h",
    )

    smtp_url: SecretStr | None = Field(
        None,
        description="Where notices to admins are mailed: smtp://user:pass@host:587 (STARTTLS when the "
        "server offers it), smtps://… (TLS); unset: notices are only logged and listed in the Admin page",
    )
    mail_from: str = Field("FlowAI <no-reply@localhost>", description="From address of notice emails")

    editor_segment_seconds: float = Field(
        0.0,
        description="Split an export at cut points into render jobs of about this many seconds, "
        "joined without re-encoding (0: one job per export)",
    )
    ffmpeg_threads: int = Field(
        0,
        ge=0,
        description="Threads of each export render's FFmpeg (decoders, filter graph, encoder); 0: "
        "FFmpeg's default, about one per core. 1 keeps a render to about one core, so a worker with "
        "--threads N uses N cores (bench/scale.py)",
    )
    editor_proxy_height: int = Field(720, description="Height of the H.264 preview proxy of a video asset")
    editor_transcribe_model: str = Field(
        "tiny.en",
        description="faster-whisper model for transcripts and captions: tiny.en (embedded) or an "
        "installed larger one (a name such as small.en from the Hugging Face cache, or a folder); "
        "one that is not installed falls back to tiny.en",
    )

    voice_engine: Literal["local", "elevenlabs"] = Field(
        "local",
        description="Voice cloning/narration engine: local (offline Piper + WORLD) or elevenlabs",
    )
    voice_max_upload_mb: int = Field(50, description="Upload limit for a voice cloning sample (MiB)")
    voice_clone_max_wer: float = Field(
        0.5,
        description="A new clone whose quality sentences transcribe with a higher word error rate fails",
    )
    voice_tts_max_wer: float = Field(
        0.3, description="A narration above this word error rate is regenerated once (its score is kept)"
    )
    voice_tts_sync_chars: int = Field(
        400,
        description="Narrations of up to this many characters are answered at once; longer ones run as a job",
    )
    voice_tts_max_chars: int = Field(20000, description="Longest text one narration request accepts")
    elevenlabs_api_key: SecretStr | None = Field(
        None, description="ElevenLabs API key (`xi-api-key`); required with FLOWAI_VOICE_ENGINE=elevenlabs"
    )
    elevenlabs_base_url: str = Field("https://api.elevenlabs.io", description="ElevenLabs API base URL")
    elevenlabs_model_id: str = Field(
        "eleven_multilingual_v2",
        description="ElevenLabs text-to-speech model (sets the per-request character limit)",
    )
    elevenlabs_output_format: str = Field(
        "mp3_44100_128", description="ElevenLabs `output_format` of text-to-speech requests"
    )
    elevenlabs_max_concurrency: int = Field(
        2, ge=1, description="ElevenLabs requests in flight per process (more wait in a local queue)"
    )

    chain_rpc_url: str | None = Field(
        None,
        description="JSON-RPC URL of the EVM chain for viral shares (Flow EVM testnet: "
        "https://testnet.evm.nodes.onflow.org); unset: a local anvil dev chain",
    )
    chain_id: int = Field(545, description="Chain id the RPC must serve (747 Flow EVM mainnet, 545 testnet)")
    chain_deployer_key: SecretStr | None = Field(
        None,
        description="Hex private key that deploys the contracts, mints and deposits royalties; "
        "required with FLOWAI_CHAIN_RPC_URL (the dev chain uses anvil's first dev account)",
    )
    chain_autostart: bool = Field(
        True,
        description="Without FLOWAI_CHAIN_RPC_URL, start the local dev chain (anvil, state kept in "
        "<data_dir>/chain) on first use of viral shares",
    )
    chain_public_rpc_url: str | None = Field(
        None, description="RPC URL that wallets are offered for the chain (default: the dev chain's)"
    )
    chain_platform_fee_bps: int = Field(
        250, ge=0, le=1000, description="Platform fee on primary share sales, in basis points (max 1000)"
    )
    chain_fee_recipient: str | None = Field(
        None, description="Address that receives the platform fee (default: the deployer)"
    )
    chain_index_interval_seconds: float = Field(
        2.0, description="How often the indexer reads vault events into the database (0: only on demand)"
    )
    chain_confirmations: int = Field(
        0,
        ge=0,
        le=1000,
        description="Blocks a vault event must be buried under before the indexer applies it, so a "
        "reorganised block is never read (0: index the newest block at once)",
    )
    chain_royalty_interval_seconds: float = Field(
        3600.0,
        ge=0,
        description="How often royalties owed are deposited on their own: a royalty run for each tenant "
        "with revenue not yet deposited (0: only on demand, by the API or the CLI)",
    )

    chain_explorer_url: str | None = Field(
        None,
        description="Block explorer base URL for links from offer pages, e.g. "
        "https://evm-testnet.flowscan.io (addresses open at <url>/address/<address>); unset: no links",
    )
    shares_display_currency: str | None = Field(
        None,
        pattern=r"^[A-Z]{3}$",
        description="ISO 4217 code (e.g. EUR) of the currency in which share prices are also shown "
        "(display only: prices stay FLOW/wei on chain); set with FLOWAI_SHARES_DISPLAY_RATE",
    )
    shares_display_rate: Decimal | None = Field(
        None,
        gt=0,
        description="Units of FLOWAI_SHARES_DISPLAY_CURRENCY per 1 FLOW, for display beside FLOW prices",
    )

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'flowai.db').resolve()}"

    @property
    def media_dir(self) -> Path:
        return self.data_dir / "media"

    @property
    def resolved_secret_key(self) -> str:
        """The configured key, or one generated once and kept in the data dir (survives restarts)."""
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / "secret"
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip()

    @property
    def rate_limit_storage(self) -> str:
        return self.redis_url or "memory://"

    def plan(self, name: str) -> PlanLimits:
        return self.plans.get(name) or self.plans.get("free") or DEFAULT_PLANS["free"]

    def upload_limit_bytes(self, kind: str) -> int:
        mb = {"image": self.max_upload_mb_image, "audio": self.max_upload_mb_audio}.get(
            kind, self.max_upload_mb_video
        )
        return mb * 1024 * 1024


@lru_cache
def get_settings() -> Settings:
    return Settings()
