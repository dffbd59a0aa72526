"""Settings: URLs as users write them, the embedded defaults, list parsing and secret masking."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from workers.settings import SECRET_MASK, Settings, mask_url, normalise_database_url


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings read VISTKA_* from the environment: start every test from none."""
    for key in list(os.environ):
        if key.startswith("VISTKA_"):
            monkeypatch.delenv(key)


def settings(**values: Any) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("postgresql://user@host/db", "postgresql+psycopg://user@host/db"),
        ("postgres://user:pw@host:5433/db", "postgresql+psycopg://user:pw@host:5433/db"),
        ("postgresql+psycopg2://user@host/db", "postgresql+psycopg://user@host/db"),
        ("postgresql+psycopg://user@host/db", "postgresql+psycopg://user@host/db"),
    ],
)
def test_postgres_urls_map_to_the_psycopg_driver(written: str, expected: str) -> None:
    assert normalise_database_url(written) == expected
    assert settings(database_url=written).database == expected


@pytest.mark.parametrize("url", ["sqlite:///relative.db", "sqlite:////abs/path/vistka.db"])
def test_sqlite_urls_are_left_unchanged(url: str) -> None:
    assert settings(database_url=url).database == url


def test_defaults_are_embedded_sqlite_under_the_data_dir_and_a_filesystem_broker(
    tmp_path: Path,
) -> None:
    s = settings(data_dir=tmp_path / "d")

    assert s.database == f"sqlite:///{(tmp_path / 'd' / 'vistka.db').resolve()}"
    assert s.broker == "filesystem://"
    assert s.embedded is True
    assert s.broker_dir == (tmp_path / "d" / "broker").resolve()


def test_the_cache_is_the_users_own(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert settings().cache_dir == tmp_path / "xdg" / "vistka"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert settings().cache_dir == tmp_path / "home" / ".cache" / "vistka"
    monkeypatch.setenv("VISTKA_CACHE_DIR", str(tmp_path / "mine"))
    assert settings().cache_dir == tmp_path / "mine"


def test_a_redis_broker_is_not_embedded() -> None:
    assert settings(broker_url="redis://127.0.0.1:6379/0").embedded is False


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("VISTKA_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("VISTKA_DATABASE_URL", "postgres://u@db/vistka")
    monkeypatch.setenv("VISTKA_CONCURRENCY", "7")

    s = settings()

    assert s.data_dir == tmp_path
    assert s.database == "postgresql+psycopg://u@db/vistka"
    assert s.concurrency == 7


def test_allowed_networks_parse_from_a_comma_separated_list(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("VISTKA_ALLOWED_NETWORKS", "127.0.0.0/8, 10.0.0.0/8")

    assert settings().allowed_networks == ("127.0.0.0/8", "10.0.0.0/8")


def test_allowed_networks_default_to_none() -> None:
    assert settings().allowed_networks == ()


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "postgresql://vistka:s3cret@db:5432/news",
            f"postgresql://vistka:{SECRET_MASK}@db:5432/news",
        ),
        ("redis://:p%40ss@cache:6379/0", f"redis://:{SECRET_MASK}@cache:6379/0"),
        ("postgresql://vistka@db/news", "postgresql://vistka@db/news"),
        ("redis://cache:6379/0", "redis://cache:6379/0"),
        ("filesystem://", "filesystem://"),
        ("sqlite:////tmp/vistka.db", "sqlite:////tmp/vistka.db"),
    ],
)
def test_mask_url_hides_only_the_password(url: str, shown: str) -> None:
    assert mask_url(url) == shown


def test_shown_masks_every_secret() -> None:
    s = settings(
        database_url="postgresql://vistka:db-secret@db/news",
        broker_url="redis://:broker-secret@cache:6379/0",
        flower_password="flower-secret",
        reader_password="reader-secret",
    )

    shown = s.shown()

    text = repr(shown)
    for secret in ("db-secret", "broker-secret", "flower-secret", "reader-secret"):
        assert secret not in text
    assert shown["flower_password"] == SECRET_MASK
    assert shown["reader_password"] == SECRET_MASK
    assert shown["database_url"] == f"postgresql://vistka:{SECRET_MASK}@db/news"
    assert shown["database (effective)"] == f"postgresql+psycopg://vistka:{SECRET_MASK}@db/news"
    assert shown["broker (effective)"] == f"redis://:{SECRET_MASK}@cache:6379/0"
    assert shown["flower_user"] == "admin"


def test_shown_leaves_unset_secrets_empty(tmp_path: Path) -> None:
    shown = settings(data_dir=tmp_path).shown()

    assert shown["flower_password"] is None
    assert shown["database_url"] is None
    assert shown["data_dir"] == str(tmp_path)
    assert shown["broker (effective)"] == "filesystem://"


@pytest.mark.parametrize(
    ("values", "sent"),
    [
        ({"broker_url": "redis://127.0.0.1:6379/0"}, False),
        ({"broker_url": "redis://127.0.0.1:6379/0", "task_events": True}, True),
        ({"task_events": True}, False),  # the embedded broker has no remote control or events
    ],
)
def test_task_events_are_sent_only_when_asked(values: dict[str, Any], sent: bool) -> None:
    from celery import Celery

    from workers.app import configure

    app = Celery("vistka-settings-test")
    configure(app, settings(**values))
    assert app.conf.worker_send_task_events is sent
    assert app.conf.task_send_sent_event is sent
