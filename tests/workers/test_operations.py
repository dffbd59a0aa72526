"""The service as operators run it: migrations, two workers on different queues, one beat and
Flower behind basic auth, on PostgreSQL and a password-protected Redis; then the answers the
operator gets — Flower's task list, the workers' metrics, ``feeds health`` and ``explain`` — are
checked against the database, and the logs of every process are searched for the passwords."""

from __future__ import annotations

import base64
import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select, update
from sqlmodel import col

from storage.db import session_scope
from storage.models import Article, Feed, FeedEntry
from tests.support.backends import PROJECT_ROOT, Backend, backend, base_env, wait_until
from tests.support.services import postgres_database, unavailable
from workers.demo.site import SampleSite
from workers.service import stop

pytestmark = pytest.mark.integration

DB_PASSWORD = "DbSecret-7f3a91c2"
REDIS_PASSWORD = "RedisSecret-52be0d14"
FLOWER_PASSWORD = "FlowerSecret-a8c6e5f0"
FLOWER_USER = "ops"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def protected_redis(tmp: Path) -> Iterator[str]:
    """A redis-server of our own with ``requirepass``; yields its URL (password included)."""
    import redis

    binary = shutil.which("redis-server")
    if binary is None:
        unavailable("redis-server", FileNotFoundError("redis-server"))
    port = free_port()
    proc = subprocess.Popen(
        [
            str(binary),
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--requirepass",
            REDIS_PASSWORD,
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = redis.Redis(host="127.0.0.1", port=port, password=REDIS_PASSWORD)
    try:
        wait_until(lambda: _pings(client), timeout=20, every=0.1)
        yield f"redis://:{REDIS_PASSWORD}@127.0.0.1:{port}/0"
    finally:
        client.close()
        proc.terminate()
        proc.wait(10)


def _pings(client: Any) -> bool:
    try:
        return bool(client.ping())
    except Exception:
        return False


def with_password(url: str, password: str) -> str:
    parts = urlsplit(url)
    netloc = f"{parts.username}:{password}@{parts.hostname}:{parts.port or 5432}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


@contextmanager
def service(
    b: Backend, name: str, args: list[str], ready: Callable[[], bool], **env: str
) -> Iterator[subprocess.Popen[bytes]]:
    """``vistka ARGS`` as a long-running process, logging to <data>/<name>.log."""
    path = b.data_dir / f"{name}.log"
    log = path.open("ab")
    proc = subprocess.Popen(
        [sys.executable, "-m", "workers.cli", *args],
        env={**b.env, **env},
        cwd=PROJECT_ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not ready():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"{name} did not start:\n{path.read_text('utf-8', 'replace')}")
            time.sleep(0.2)
        yield proc
    finally:
        stop(proc)
        log.close()


def log_has(b: Backend, name: str, needle: str) -> Callable[[], bool]:
    path = b.data_dir / f"{name}.log"
    return lambda: path.exists() and needle in path.read_text("utf-8", "replace")


def http_get(url: str, auth: tuple[str, str] | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url)
    if auth:
        token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()
    except OSError:
        return 0, b""


def counter(port: int, sample: str, **labels: str) -> float:
    status, body = http_get(f"http://127.0.0.1:{port}/metrics")
    assert status == 200, body
    total = 0.0
    for family in text_string_to_metric_families(body.decode()):
        for s in family.samples:
            if s.name == sample and all(s.labels.get(k) == v for k, v in labels.items()):
                total += s.value
    return total


def test_service_under_operations(tmp_path: Path) -> None:
    data = tmp_path / "data"
    flower_port, metrics_a, metrics_b = free_port(), free_port(), free_port()
    with ExitStack() as stack:
        db = stack.enter_context(postgres_database())
        broker = stack.enter_context(protected_redis(tmp_path))
        env = base_env(
            data,
            VISTKA_DATABASE_URL=with_password(db, DB_PASSWORD),
            VISTKA_BROKER_URL=broker,
            VISTKA_FLOWER_USER=FLOWER_USER,
            VISTKA_FLOWER_PASSWORD=FLOWER_PASSWORD,
        )
        b = Backend("production", env, data)
        cli_output = [b.cli("db", "upgrade")]
        site = stack.enter_context(SampleSite(datetime.now(UTC)))
        flower_url = f"http://127.0.0.1:{flower_port}"
        flower = stack.enter_context(
            service(
                b,
                "flower",
                ["flower", "--port", str(flower_port)],
                lambda: http_get(f"{flower_url}/healthcheck")[0] == 200,
            )
        )
        stack.enter_context(
            service(
                b,
                "worker-a",
                [
                    "worker",
                    "--queues",
                    "feeds,fetch,control",
                    "--pool",
                    "threads",
                    "-c",
                    "4",
                    "--hostname",
                    "a@%h",
                ],
                log_has(b, "worker-a", "ready"),
                VISTKA_METRICS_PORT=str(metrics_a),
            )
        )
        stack.enter_context(
            service(
                b,
                "worker-b",
                ["worker", "--queues", "extract,reports", "-c", "2", "--hostname", "b@%h"],
                log_has(b, "worker-b", "ready"),
                VISTKA_METRICS_PORT=str(metrics_b),
                VISTKA_LOG_FORMAT="json",
            )
        )
        stack.enter_context(service(b, "beat", ["beat"], log_has(b, "beat", "Starting")))
        # Workers send task events only once asked; Flower asks every worker every 5 s.
        for name in ("worker-a", "worker-b"):
            wait_until(log_has(b, name, "enabled by remote"), timeout=30)

        # Feed 1 lists every article first; feed 2 (same items) only adds URL duplicates.
        cli_output.append(b.cli("feeds", "add", site.feed_url))
        n = len(site.articles)
        wait_until(lambda: _finished(b, feed_id=1) == n, timeout=120)
        cli_output.append(b.cli("feeds", "add", f"{site.feed_url}?copy=1"))
        wait_until(lambda: _entries(b, feed_id=2, rule="url") == n, timeout=60)

        with session_scope(b.database_url) as s:
            articles = {a.url: a for a in s.scalars(select(Article))}
        stored = [a for a in articles.values() if a.status == "stored"]
        duplicates = [a for a in articles.values() if a.status == "duplicate"]
        assert len(articles) == n and stored, {a.url: a.status for a in articles.values()}

        # Flower: the tasks by their names, short id arguments, only with the password.
        auth = (FLOWER_USER, FLOWER_PASSWORD)
        assert http_get(f"{flower_url}/api/tasks")[0] == 401
        assert http_get(f"{flower_url}/api/tasks", (FLOWER_USER, "wrong"))[0] == 401
        names: set[str] = set()

        def flower_saw_pipeline() -> bool:
            status, body = http_get(f"{flower_url}/api/tasks", auth)
            assert status == 200, body
            tasks = json.loads(body)
            names.update(t["name"] for t in tasks.values() if t.get("name"))
            assert all(len(str(t.get("args") or "")) < 120 for t in tasks.values())
            return {
                "vistka.poll_feed",
                "vistka.fetch_article",
                "vistka.extract_article",
                "vistka.dispatch",
            } <= names

        wait_until(flower_saw_pipeline, timeout=30)

        # Metrics: every extraction counted once, by its outcome at the time. (An earlier copy
        # extracted after its story began takes the story over: the first one was counted stored
        # and is now a duplicate in the database, so the database holds at most as many.)
        def counted(status: str) -> float:
            return sum(
                counter(p, "vistka_articles_total", status=status) for p in (metrics_a, metrics_b)
            )

        wait_until(
            lambda: sum(counted(s) for s in ("stored", "duplicate", "failed")) == n, timeout=20
        )
        assert counted("stored") >= len(stored) >= 1
        assert counted("stored") + counted("duplicate") == len(stored) + len(duplicates)
        assert counter(metrics_b, "vistka_extract_duration_seconds_count") == n
        assert counter(metrics_a, "vistka_fetch_duration_seconds_count", outcome="fetched") == n
        assert counter(metrics_a, "vistka_polls_total", outcome="ok") >= 2

        # feeds health: both feeds polled successfully, volumes from their entries.
        out = b.cli("feeds", "health", "--json")
        cli_output.append(out)
        health = {row["id"]: row for row in json.loads(out.stdout)}
        for feed_id in (1, 2):
            row = health[feed_id]
            assert row["flags"] == [] and row["healthy"], row
            assert row["last_success_at"] and row["last_error"] is None, row
            assert row["consecutive_failures"] == 0 and row["items_last_24h"] == n, row
            assert datetime.fromisoformat(row["next_poll_at"]) > datetime.now(UTC), row

        # explain: a stored article, listed new by feed 1 and as a URL duplicate by feed 2.
        art = stored[0]
        listed = f"{art.url}?utm_source=rss&utm_medium=feed"
        out = b.cli("explain", listed, "--json")
        cli_output.append(out)
        told = json.loads(out.stdout)
        assert told["known"] and told["article"]["id"] == art.id
        assert told["article"]["status"] == "stored" and told["article"]["http_status"] == 200
        assert told["article"]["extractor_version"] == art.extractor_version
        assert [(e["feed_id"], e["rule"]) for e in told["entries"]] == [(1, "new"), (2, "url")]
        human = b.cli("explain", listed).stdout
        assert "rule 'url'" in human and "stored as an original" in human, human
        for dup in duplicates:
            told = json.loads(b.cli("explain", dup.url, "--json").stdout)
            assert told["article"]["duplicate_of"] == dup.duplicate_of, told
            assert told["article"]["duplicate_rule"] == dup.duplicate_rule, told
            original = json.loads(
                b.cli("explain", articles_by_id(articles)[dup.duplicate_of], "--json").stdout
            )
            assert dup.id in [c["id"] for c in original["copies"]], original
        unknown = b.cli("explain", f"{site.base}/never-listed.html", check=False)
        assert unknown.returncode == 1 and "unknown" in unknown.stdout

        # Task context on log lines: text (worker a) and JSON (worker b).
        text_lines = (data / "worker-a.log").read_text("utf-8", "replace")
        assert "vistka.poll_feed [" in text_lines and "feed_id=1" in text_lines, text_lines[-3000:]
        json_lines = [
            json.loads(line)
            for line in (data / "worker-b.log").read_text("utf-8").splitlines()
            if line.startswith("{")
        ]
        assert any(
            r.get("task") == "vistka.extract_article"
            and r.get("task_id")
            and isinstance(r.get("article_id"), int)
            for r in json_lines
        ), json_lines[-5:]

        stop(flower)
    assert (data / "flower.db").exists() or list(data.glob("flower.db*"))
    _assert_no_secrets(data, cli_output)


def articles_by_id(articles: dict[str, Article]) -> dict[int | None, str]:
    return {a.id: a.url for a in articles.values()}


def _finished(b: Backend, feed_id: int) -> int:
    with session_scope(b.database_url) as s:
        return int(
            s.scalar(
                select(func.count())
                .select_from(Article)
                .where(
                    col(Article.feed_id) == feed_id,
                    col(Article.status).in_(("stored", "duplicate", "failed")),
                )
            )
            or 0
        )


def _entries(b: Backend, feed_id: int, rule: str) -> int:
    with session_scope(b.database_url) as s:
        return int(
            s.scalar(
                select(func.count())
                .select_from(FeedEntry)
                .where(col(FeedEntry.feed_id) == feed_id, col(FeedEntry.rule) == rule)
            )
            or 0
        )


def _assert_no_secrets(data: Path, cli_output: list[subprocess.CompletedProcess[str]]) -> None:
    logs = {p.name: p.read_text("utf-8", "replace") for p in data.glob("*.log")}
    assert set(logs) >= {"flower.log", "worker-a.log", "worker-b.log", "beat.log"}
    for proc in cli_output:
        logs[" ".join(map(str, proc.args[3:]))] = proc.stdout + proc.stderr
    for name, text in logs.items():
        for secret in (DB_PASSWORD, REDIS_PASSWORD, FLOWER_PASSWORD):
            assert secret not in text, f"{secret} appears in {name}"


# --- feeds health: failing and silently dead feeds -------------------------------------------


def test_feeds_health_flags_failing_and_silent_feeds(tmp_path: Path) -> None:
    with backend("embedded", tmp_path) as b:
        for name in ("steady", "silent", "failing", "resting"):
            b.cli("feeds", "add", f"https://{name}.example/rss.xml")
        now = datetime.now(UTC)
        with session_scope(b.database_url) as s:
            feeds = {f.url.split("//")[1].split(".")[0]: f.id for f in s.scalars(select(Feed))}
            for name, feed_id in feeds.items():
                # Ten items a day for a week; the silent feed brought none in the last 24 hours.
                first_day = 1 if name == "silent" else 0
                for day in range(first_day, 8):
                    for i in range(10):
                        s.add(
                            FeedEntry(
                                feed_id=int(feed_id or 0),
                                entry_key=f"{day}-{i}",
                                rule="new",
                                seen_at=now - timedelta(days=day, hours=1 + i),
                            )
                        )
                values: dict[str, object] = {
                    "created_at": now - timedelta(days=30),
                    "last_success_at": now,
                    "last_polled_at": now,
                    "next_poll_at": now + timedelta(minutes=15),
                }
                if name == "failing":
                    values.update(
                        last_error="http_503: Service Unavailable",
                        last_error_kind="temporary",
                        last_error_at=now,
                        last_success_at=now - timedelta(days=2),
                        consecutive_failures=4.0,
                    )
                if name == "resting":  # disabled after sustained failures: slow retry
                    values.update(
                        enabled=False,
                        disabled_reason="30 weighted failures: http_503",
                        consecutive_failures=30.0,
                        next_poll_at=now + timedelta(days=1),
                    )
                s.execute(update(Feed).where(col(Feed.id) == feed_id).values(**values))
        health = {
            row["url"].split("//")[1].split(".")[0]: row
            for row in json.loads(b.cli("feeds", "health", "--json").stdout)
        }
        assert health["steady"]["flags"] == [], health["steady"]
        assert health["steady"]["items_per_day"] == pytest.approx(10, abs=0.5)
        assert health["silent"]["flags"] == ["silent"], health["silent"]
        assert health["silent"]["items_last_24h"] == 0
        assert health["silent"]["daily_average_previous_7d"] == pytest.approx(10, abs=1.5)
        # A failing feed is flagged as failing, not as silent (its polls do not succeed).
        assert health["failing"]["flags"] == ["failing"], health["failing"]
        assert health["failing"]["last_error_reason"] == "http_503"
        assert health["failing"]["state"] == health["steady"]["state"] == "enabled"
        assert health["resting"]["flags"] == ["disabled", "failing"], health["resting"]
        assert health["resting"]["state"] == "retrying"
        table = b.cli("feeds", "health").stdout
        assert "2 failing" in table and "1 silent" in table and "1 disabled" in table, table


def test_flower_refuses_to_start_without_a_password(tmp_path: Path) -> None:
    env = base_env(tmp_path / "data")
    env.pop("VISTKA_FLOWER_PASSWORD", None)
    proc = subprocess.run(
        [sys.executable, "-m", "workers.cli", "flower"],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 1
    assert "VISTKA_FLOWER_PASSWORD is not set" in proc.stderr
