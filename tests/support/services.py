"""Real backing services for integration tests: a fresh PostgreSQL database, a Redis database.

Without the services a test is skipped with the reason; ``make test`` sets VISTKA_REQUIRE_SERVICES=1
(after starting them), which turns that skip into a failure so CI can never pass by skipping.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

PG_ADMIN = os.environ.get("VISTKA_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS = os.environ.get("VISTKA_TEST_REDIS", "redis://127.0.0.1:6379")
# One Redis database per test process (1-15), so concurrent runs never flush each other.
REDIS_DB = int(os.environ.get("VISTKA_TEST_REDIS_DB", str(1 + os.getpid() % 15)))


def unavailable(what: str, err: Exception) -> None:
    message = (
        f"{what} is not reachable ({err}); `make test` starts it "
        "(scripts/services.sh), or set VISTKA_TEST_POSTGRES / VISTKA_TEST_REDIS"
    )
    if os.environ.get("VISTKA_REQUIRE_SERVICES"):
        pytest.fail(message)
    pytest.skip(message)


@contextmanager
def postgres_database() -> Iterator[str]:
    """A new, empty database; dropped afterwards. Yields its SQLAlchemy URL."""
    import psycopg

    name = f"vistka_test_{uuid.uuid4().hex[:10]}"
    try:
        admin = psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as err:
        unavailable("PostgreSQL", err)
        raise
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        from storage.db import dispose_engines

        dispose_engines()
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (name,),
            )
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')


def redis_url() -> str:
    """A Redis database of its own, emptied first."""
    import redis

    url = f"{REDIS}/{REDIS_DB}"
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=3)
        client.flushdb()
        client.close()
    except redis.RedisError as err:
        unavailable("Redis", err)
    return url
