"""``vistka stats --json`` reads queue depths from the broker itself, on both backends."""

from __future__ import annotations

import json

import pytest

from tests.support.backends import Backend
from workers.app import create_app
from workers.settings import Settings

pytestmark = pytest.mark.integration


def test_stats_counts_messages_waiting_in_each_queue(env: Backend) -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=env.data_dir,
        database_url=env.env.get("VISTKA_DATABASE_URL"),
        broker_url=env.env.get("VISTKA_BROKER_URL"),
    )
    env.cli("db", "upgrade")
    app = create_app(settings)
    for article_id in (101, 102, 103):  # nobody consumes: the messages wait in the queue
        app.send_task("vistka.fetch_article", (article_id,))
    app.send_task("vistka.extract_article", (104,))

    data = json.loads(env.cli("stats", "--json").stdout)

    assert data["queues"]["fetch"] == 3
    assert data["queues"]["extract"] == 1
    assert data["queues"]["feeds"] == 0
    assert set(data["throughput"]) >= {"last_minute", "last_hour", "last_day"}
