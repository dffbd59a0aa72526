"""The one settings object: every knob is a ``VISTKA_*`` environment variable, read once.

With nothing set vistka runs embedded (SQLite + a filesystem broker under the data directory), so a
newcomer's first command works; pointing the two URLs at PostgreSQL and Redis makes it the
production service, on the same code paths.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

SECRET_MASK = "********"


def _user_cache() -> Path:
    """The user's cache directory (XDG): ``$XDG_CACHE_HOME``, else ``~/.cache``."""
    return Path(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VISTKA_", env_file=".env", extra="ignore")

    data_dir: Path = Path("data")
    cache_dir: Path = Field(
        default_factory=lambda: _user_cache() / "vistka",
        description="what is built from the installed libraries (the gazetteer), for every "
        "service of this user on this machine; rebuilt whenever missing or stale",
    )
    database_url: SecretStr | None = None
    broker_url: SecretStr | None = None

    concurrency: int = Field(
        default_factory=lambda: max(1, len(os.sched_getaffinity(0))),
        ge=1,
        le=256,
        description="extraction processes (CPU-bound): one per core",
    )
    io_concurrency: int = Field(
        default=16,
        ge=1,
        le=512,
        description="threads polling feeds and fetching pages (network-bound), and as many "
        "helper threads fetching a batch's pages at once",
    )
    articles_per_task: int = Field(
        default=16,
        ge=1,
        le=100,
        description="articles of one feed per fetch or extraction message: each message and each "
        "batch cost CPU in the broker, both workers and the database, whatever they carry",
    )
    user_agent: str = "vistka/0.1 (news ingestion; +https://github.com/vistka/vistka)"
    contact_url: str | None = None
    allowed_networks: Annotated[tuple[str, ...], NoDecode] = ()

    fetch_connect_timeout: float = 5.0
    fetch_read_timeout: float = 10.0
    fetch_deadline: float = 30.0
    fetch_max_bytes: int = 10 * 1024 * 1024
    fetch_max_redirects: int = 5

    host_rate: float = Field(default=1.0, gt=0, description="requests/s per host, all workers")
    host_burst: int = Field(default=3, ge=1, description="requests a quiet host may get at once")
    host_concurrency: int = Field(
        default=2,
        ge=1,
        description="requests in flight per host, all workers; also how many pages of a batch "
        "are fetched at once",
    )
    respect_robots: bool = Field(default=True, description="honour robots.txt for article pages")

    default_interval: int = Field(
        default=900, ge=60, description="seconds between polls of a new feed"
    )
    min_interval: int = Field(default=300, ge=1)
    max_interval: int = Field(default=86400, ge=60)
    unconditional_every: int = Field(default=12, ge=1, description="every Nth poll skips ETag/IMS")
    disable_after_failures: float = Field(default=30.0, description="weighted hard failures")

    dispatch_every: float = Field(
        default=15.0, gt=0, description="beat: seconds between dispatches"
    )
    dispatch_batch: int = 500
    lease_seconds: int = Field(default=600, ge=5)
    visibility_timeout: int = Field(
        default=3600,
        ge=1,
        description="Redis: an unacked message is redelivered after this long (> countdown + "
        "time limit of every task)",
    )
    sweep_after: int = Field(
        default=120, ge=1, description="pending rows idle this long are re-queued"
    )
    max_attempts: int = 5

    keep_raw_html: Literal["compressed", "hash"] = "compressed"
    log_format: Literal["text", "json"] = "text"
    log_level: str = "INFO"

    report_hour: int = Field(default=6, ge=0, le=23)
    report_timezone: str = "Europe/Kyiv"
    report_days: int = 14

    reader_role: str = "vistka_reader"
    reader_password: SecretStr | None = None
    metrics_port: int | None = None
    flower_port: int = 5555
    flower_user: str = "admin"
    flower_password: SecretStr | None = None
    task_events: bool = Field(
        default=False,
        description="workers send task events from the start; without it they send them once "
        "Flower (or `celery control enable_events`) asks, which Flower does every few seconds",
    )

    disabled_retry_seconds: int = Field(
        default=86400,
        ge=0,
        description="a feed disabled for sustained failures is retried this often (a success "
        "re-enables it); 0: never",
    )
    dispatch_per_host: int | None = Field(
        default=None,
        ge=1,
        description="at most this many feeds of one host per dispatch; default 2 × "
        "host_concurrency",
    )

    @field_validator("allowed_networks", mode="before")
    @classmethod
    def _split_networks(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @property
    def dispatch_host_cap(self) -> int:
        """Feeds of one host a dispatch may claim: twice what the host may have in flight keeps
        its slots busy without letting it crowd out every other host."""
        return self.dispatch_per_host or 2 * self.host_concurrency

    @property
    def database(self) -> str:
        """The database URL as SQLAlchemy wants it (driver mapped from what users write)."""
        if self.database_url is None:
            return f"sqlite:///{(self.data_dir / 'vistka.db').resolve()}"
        return normalise_database_url(self.database_url.get_secret_value())

    @property
    def broker(self) -> str:
        return "filesystem://" if self.broker_url is None else self.broker_url.get_secret_value()

    @property
    def embedded(self) -> bool:
        """True when no broker server is configured: worker and beat then share one process tree."""
        return self.broker.startswith("filesystem://")

    @property
    def broker_dir(self) -> Path:
        return (self.data_dir / "broker").resolve()

    @property
    def full_user_agent(self) -> str:
        if self.contact_url and self.contact_url not in self.user_agent:
            return f"{self.user_agent} {self.contact_url}"
        return self.user_agent

    def shown(self) -> dict[str, object]:
        """Effective settings for ``vistka config show``: secrets and URL passwords masked."""
        out: dict[str, object] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, SecretStr):
                value = mask_url(value.get_secret_value()) if "url" in name else SECRET_MASK
            out[name] = str(value) if isinstance(value, Path) else value
        out["database (effective)"] = mask_url(self.database)
        out["broker (effective)"] = mask_url(self.broker)
        return out


def normalise_database_url(url: str) -> str:
    """Accept URLs as users write them and map them to the installed drivers."""
    for prefix in ("postgresql://", "postgres://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def mask_url(url: str) -> str:
    """Hide the password part of a URL (``scheme://user:secret@host`` → ``scheme://user:****@host``)."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    creds, _, host = rest.rpartition("@")
    user, has_pw, _ = creds.partition(":")
    return f"{scheme}://{user}:{SECRET_MASK}@{host}" if has_pw else url


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
