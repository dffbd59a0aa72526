"""Every storage test runs on SQLite and on PostgreSQL, each migrated to head."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from storage import migrate
from storage.db import dispose_engines
from tests.support.services import postgres_database
from workers.settings import normalise_database_url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database URL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'vistka.db'}"
        migrate.upgrade(url)
        yield url
        dispose_engines()
        return
    with postgres_database() as raw:
        url = normalise_database_url(raw)
        migrate.upgrade(url)
        yield url
