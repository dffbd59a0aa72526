"""Fixtures shared by the worker tests: the two backends, and the in-process pipeline harness."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.backends import Backend, backend
from tests.support.hostile import Pipeline, database, make_settings
from tests.support.server import LoopbackServer


@pytest.fixture(params=["embedded", "production"])
def env(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """vistka as a user runs it, embedded (SQLite + filesystem broker) and on PostgreSQL + Redis."""
    with backend(request.param, tmp_path) as b:
        yield b


@pytest.fixture
def new_pipe(tmp_path: Path, http_server: LoopbackServer) -> Callable[..., Pipeline]:
    """The pipeline steps in-process on SQLite, with settings overridden per test."""

    def make(**overrides: Any) -> Pipeline:
        return Pipeline(make_settings(tmp_path / "data", **overrides), http_server)

    return make


@pytest.fixture
def pipe(new_pipe: Callable[..., Pipeline]) -> Pipeline:
    return new_pipe()


@pytest.fixture(params=["sqlite", "postgresql"])
def both(
    request: pytest.FixtureRequest, tmp_path: Path, http_server: LoopbackServer
) -> Iterator[Pipeline]:
    """The pipeline steps in-process on SQLite and on PostgreSQL."""
    with database(request.param) as url:
        yield Pipeline(make_settings(tmp_path / "data", database_url=url), http_server)


@pytest.fixture(autouse=True)
def fresh_politeness_state() -> Iterator[None]:
    """Each test starts with no cool-downs or cached robots.txt in this process: loopback ports
    are reused between tests, and a host:port throttled by one test must not throttle the next."""
    from workers import politeness, robots_cache

    politeness._limiter.cache_clear()
    robots_cache._store.cache_clear()
    yield
