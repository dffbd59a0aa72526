"""Logging for the worker, beat, Flower and the CLI: one stream, two formats, no secrets.

Human-readable lines by default; JSON lines (``VISTKA_LOG_FORMAT=json``) for log shippers. Every
line written while a task runs carries the task's name and id and the feed or article it works
on, so an operator can follow one feed or one article through the pipeline. Passwords never reach
the stream: URL credentials are masked by pattern, and the configured secrets by value, after
formatting (so tracebacks and third-party messages are covered too).
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from celery.signals import setup_logging, task_postrun, task_prerun

from workers.settings import SECRET_MASK, Settings, get_settings

# The first positional argument of these tasks is the id operators search for.
ID_ARGUMENT = {
    "vistka.poll_feed": "feed_id",
    "vistka.fetch_article": "article_id",
    "vistka.extract_article": "article_id",
}
CONTEXT_FIELDS = ("task", "task_id", "feed_id", "article_id")
# Libraries that log every request URL at INFO (feed URLs may carry tokens in their query).
QUIET = ("httpx", "httpcore", "urllib3", "trafilatura", "htmldate", "courlan", "charset_normalizer")

URL_CREDENTIALS = re.compile(r"(?P<head>\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s:/@]*:)[^\s@/]+@")
_context: ContextVar[dict[str, object] | None] = ContextVar("vistka_task", default=None)
_MARK = "_vistka_handler"
log = logging.getLogger("vistka.task")


class Scrubber:
    """Masks URL passwords and the literal values of known secrets in a formatted line."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        # Longest first, so a secret that contains another is masked whole.
        self.secrets = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        text = URL_CREDENTIALS.sub(lambda m: f"{m.group('head')}{SECRET_MASK}@", text)
        for secret in self.secrets:
            text = text.replace(secret, SECRET_MASK)
        return text


def secrets_of(settings: Settings) -> list[str]:
    """Every secret the settings hold: whole values and the password part of URLs."""
    out: list[str] = []
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if hasattr(value, "get_secret_value"):
            secret = value.get_secret_value()
            out.append(secret)
            out.extend(_url_password(secret))
    return out


def _url_password(url: str) -> list[str]:
    _, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return []
    creds = rest.rpartition("@")[0]
    _, has_pw, password = creds.partition(":")
    return [password] if has_pw and password else []


@contextmanager
def article(article_id: int) -> Iterator[None]:
    """Within a task that handles several articles, lines name the one at hand."""
    ctx = _context.get()
    token = _context.set({**(ctx or {}), "article_id": article_id})
    try:
        yield
    finally:
        _context.reset(token)


class TaskContext(logging.Filter):
    """Copies the running task's name, id and feed/article id onto each record."""

    def filter(self, record: logging.LogRecord) -> bool:
        ctx = _context.get()
        for name in CONTEXT_FIELDS:
            if not hasattr(record, name):
                setattr(record, name, ctx.get(name) if ctx else None)
        return True


class TextFormatter(logging.Formatter):
    def __init__(self, scrub: Scrubber) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s%(ctx)s: %(message)s")
        self.scrub = scrub

    def format(self, record: logging.LogRecord) -> str:
        parts = [str(getattr(record, "task", None) or "")]
        if getattr(record, "task_id", None):
            parts.append(f"[{record.task_id}]")  # type: ignore[attr-defined]
        for name in ("feed_id", "article_id"):
            if getattr(record, name, None) is not None:
                parts.append(f"{name}={getattr(record, name)}")
        record.ctx = f" {' '.join(p for p in parts if p)}" if parts[0] else ""
        return self.scrub(super().format(record))


class JsonFormatter(logging.Formatter):
    def __init__(self, scrub: Scrubber) -> None:
        super().__init__()
        self.scrub = scrub

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "process": record.processName,
        }
        for name in CONTEXT_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                out[name] = value
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return self.scrub(json.dumps(out, ensure_ascii=False, default=str))


def configure(
    settings: Settings | None = None, *, level: str | int | None = None, fmt: str | None = None
) -> logging.Handler:
    """Install vistka's handler on the root logger (replacing an earlier one of ours)."""
    settings = settings or get_settings()
    scrub = Scrubber(secrets_of(settings))
    kind = fmt or settings.log_format
    # sys.__stderr__: the real stream, even if something has redirected sys.stderr to logging.
    handler = logging.StreamHandler(sys.__stderr__ or sys.stderr)
    handler.setFormatter(JsonFormatter(scrub) if kind == "json" else TextFormatter(scrub))
    handler.addFilter(TaskContext())
    setattr(handler, _MARK, True)
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _MARK, False)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level if level is not None else settings.log_level.upper())
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    return handler


# --- Celery signals -------------------------------------------------------------------------


def _on_setup_logging(loglevel: str | int | None = None, **_: Any) -> None:
    # A receiver on this signal also tells Celery not to install its own handlers.
    configure(level=loglevel or None)


def _on_prerun(task_id: str | None = None, task: Any = None, args: Any = None, **_: Any) -> None:
    name = getattr(task, "name", None)
    ctx: dict[str, object] = {"task": name, "task_id": task_id}
    field = ID_ARGUMENT.get(str(name))
    if field and args:
        ctx[field] = args[0]
    _context.set(ctx)


def _on_postrun(retval: Any = None, state: str | None = None, **_: Any) -> None:
    """One outcome line per attempt, still inside the task's context."""
    if _context.get() is not None:
        shown = (
            retval
            if isinstance(retval, str | int | bool | float) or retval is None
            else type(retval).__name__
        )
        log.info("finished: state=%s outcome=%s", state, shown)
    _context.set(None)


def connect_signals() -> None:
    """Called once by the Celery app (workers/app.py); idempotent."""
    setup_logging.connect(_on_setup_logging, weak=False, dispatch_uid="vistka.logs.setup")
    task_prerun.connect(_on_prerun, weak=False, dispatch_uid="vistka.logs.prerun")
    task_postrun.connect(_on_postrun, weak=False, dispatch_uid="vistka.logs.postrun")
