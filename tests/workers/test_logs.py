"""Log lines carry the task's context and never a password; ``config show`` masks secrets.

(The full check — passwords in the database and broker URLs and Flower's, grepped out of the logs
of a running worker, beat and Flower — is part of tests/workers/test_operations.py.)
"""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from celery.signals import task_postrun, task_prerun

from tests.support.backends import PROJECT_ROOT, base_env
from workers import logs
from workers.settings import Settings

DB_SECRET = "pg-Secret-93a1"
BROKER_SECRET = "redis-Secret-77c2"
FLOWER_SECRET = "flower-Secret-0b4e"
READER_SECRET = "reader-Secret-5d19"


def secret_env(tmp: Path) -> dict[str, str]:
    return base_env(
        tmp / "data",
        VISTKA_DATABASE_URL=f"postgresql://vistka:{DB_SECRET}@127.0.0.1:1/vistka",
        VISTKA_BROKER_URL=f"redis://:{BROKER_SECRET}@127.0.0.1:1/0",
        VISTKA_FLOWER_PASSWORD=FLOWER_SECRET,
        VISTKA_READER_PASSWORD=READER_SECRET,
    )


def settings_from(env: dict[str, str]) -> Settings:
    keys = {k[len("VISTKA_") :].lower(): v for k, v in env.items() if k.startswith("VISTKA_")}
    return Settings(_env_file=None, **keys)  # type: ignore[arg-type,call-arg]


@pytest.fixture
def captured(tmp_path: Path) -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A logger writing through vistka's JSON formatter and task filter into a buffer."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(
        logs.JsonFormatter(logs.Scrubber(logs.secrets_of(settings_from(secret_env(tmp_path)))))
    )
    handler.addFilter(logs.TaskContext())
    logger = logging.getLogger("vistka.test_logs")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    logs.connect_signals()
    try:
        yield logger, buffer
    finally:
        logger.removeHandler(handler)


def lines(buffer: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


def test_task_lines_carry_task_name_id_and_feed_or_article(
    captured: tuple[logging.Logger, io.StringIO],
) -> None:
    from workers.tasks import extract_article, poll_feed

    logger, buffer = captured
    task_prerun.send(sender=poll_feed, task_id="t-poll", task=poll_feed, args=(7, "token"))
    logger.info("polling")
    task_postrun.send(
        sender=poll_feed,
        task_id="t-poll",
        task=poll_feed,
        args=(7, "token"),
        retval="ok",
        state="SUCCESS",
    )
    task_prerun.send(sender=extract_article, task_id="t-extract", task=extract_article, args=(42,))
    logger.info("extracting")
    task_postrun.send(
        sender=extract_article,
        task_id="t-extract",
        task=extract_article,
        args=(42,),
        retval="stored",
        state="SUCCESS",
    )
    logger.info("between tasks")

    polled, extracted, between = lines(buffer)
    assert polled == polled | {"task": "vistka.poll_feed", "task_id": "t-poll", "feed_id": 7}
    assert "article_id" not in polled
    assert extracted["task"] == "vistka.extract_article" and extracted["article_id"] == 42
    assert extracted["task_id"] == "t-extract" and "feed_id" not in extracted
    assert "task" not in between and "task_id" not in between


def test_passwords_are_masked_in_messages_and_tracebacks(
    captured: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, buffer = captured
    logger.warning("cannot reach postgresql://vistka:%s@db:5432/vistka", DB_SECRET)
    logger.warning("flower password is %s, reader's is %s", FLOWER_SECRET, READER_SECRET)
    logger.warning("some other service at https://bob:hunter2-xyz@example.org/feed?x=1")
    try:
        raise ConnectionError(f"redis://:{BROKER_SECRET}@redis:6379/0 refused")
    except ConnectionError:
        logger.exception("broker down")
    text = buffer.getvalue()
    for secret in (DB_SECRET, BROKER_SECRET, FLOWER_SECRET, READER_SECRET, "hunter2-xyz"):
        assert secret not in text
    assert "postgresql://vistka:********@db:5432/vistka" in text
    assert "https://bob:********@example.org/feed?x=1" in text
    # A port is not a password.
    logger.info("feed http://example.org:8080/rss.xml")
    assert "http://example.org:8080/rss.xml" in buffer.getvalue()


def test_text_format_names_the_task() -> None:
    formatter = logs.TextFormatter(logs.Scrubber())
    record = logging.LogRecord("vistka.poll", logging.INFO, __file__, 1, "feed polled", None, None)
    logs.TaskContext().filter(record)
    record.task, record.task_id, record.feed_id = "vistka.poll_feed", "abc", 3
    line = formatter.format(record)
    assert line.endswith("INFO vistka.poll vistka.poll_feed [abc] feed_id=3: feed polled")


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "workers.cli", *args],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_config_show_masks_every_secret(tmp_path: Path) -> None:
    env = secret_env(tmp_path)
    for args in (("config", "show"), ("config", "show", "--json")):
        proc = cli(env, *args)
        assert proc.returncode == 0, proc.stderr
        for secret in (DB_SECRET, BROKER_SECRET, FLOWER_SECRET, READER_SECRET):
            assert secret not in proc.stdout + proc.stderr
    shown = json.loads(cli(env, "config", "show", "--json").stdout)
    assert shown["database_url"] == "postgresql://vistka:********@127.0.0.1:1/vistka"
    assert shown["broker_url"] == "redis://:********@127.0.0.1:1/0"
    assert shown["flower_password"] == shown["reader_password"] == "********"


def test_cli_errors_do_not_leak_passwords(tmp_path: Path) -> None:
    proc = cli(secret_env(tmp_path), "feeds", "list")
    assert proc.returncode == 1
    assert proc.stderr.startswith("error:")
    for secret in (DB_SECRET, BROKER_SECRET):
        assert secret not in proc.stdout + proc.stderr


def test_lines_in_a_batch_name_the_article_at_hand(
    captured: tuple[logging.Logger, io.StringIO],
) -> None:
    from workers import logs
    from workers.tasks import extract_article

    logger, buffer = captured
    batch = ([41, 42],)
    task_prerun.send(sender=extract_article, task_id="t-b", task=extract_article, args=batch)
    with logs.article(42):
        logger.info("extracted: stored")
    logger.info("after the article")
    task_postrun.send(
        sender=extract_article, task_id="t-b", task=extract_article, args=batch, retval="stored"
    )

    inside, after = lines(buffer)
    assert inside["article_id"] == 42 and inside["task_id"] == "t-b"
    assert after["article_id"] == [41, 42]
