"""What every CLI command shares: settings, schema readiness, JSON output, one-line errors."""

from __future__ import annotations

import json
import sys
from datetime import date, datetime
from typing import Any, NoReturn

from rich.console import Console

from workers.settings import Settings, get_settings

console = Console()
err_console = Console(stderr=True, soft_wrap=True)


class UserError(Exception):
    """An error the user can act on: shown as one line, never as a traceback."""


def fail(message: str) -> NoReturn:
    raise UserError(message)


def ready_settings() -> Settings:
    """Settings with a schema at head: embedded databases are migrated on first use."""
    from storage import migrate  # SQLAlchemy and the models: not before ``run`` needs them

    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    url = settings.database
    current, head = migrate.current_revision(url), migrate.HEAD
    if current != head:
        if settings.embedded or url.startswith("sqlite"):
            migrate.upgrade(url)
        else:
            fail(
                f"the database schema is at {current or 'nothing'}, not {head}: "
                "run `vistka db upgrade` first"
            )
    return settings


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=_default) + "\n")


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
