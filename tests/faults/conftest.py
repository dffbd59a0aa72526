"""The fault suite's harness: our own Redis and PostgreSQL servers (so they can be killed and
restarted without touching the shared ones), a loopback news site with slow and broken pages,
real ``vistka`` processes, and the database counts every test asserts on.

Settings are shortened for the suite: 8 s leases, a 3 s sweep threshold, dispatch every second and
a 5 s Redis visibility timeout, so recovery paths run in seconds instead of minutes.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlmodel import col

from storage.db import dispose_engines, session_scope
from storage.models import Article, Feed
from tests.support.backends import PROJECT_ROOT, Backend, base_env, wait_for_log, wait_until
from tests.support.server import LoopbackServer, Reply, Request
from tests.support.services import postgres_database

PG_BIN = Path("/usr/lib/postgresql/15/bin")

FAULT_SETTINGS = {
    "VISTKA_LEASE_SECONDS": "8",
    "VISTKA_SWEEP_AFTER": "3",
    "VISTKA_DISPATCH_EVERY": "1",
    "VISTKA_VISIBILITY_TIMEOUT": "5",
    "VISTKA_MIN_INTERVAL": "2",
    "VISTKA_CONCURRENCY": "2",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.3)
        return s.connect_ex(("127.0.0.1", port)) == 0


# --- Redis --------------------------------------------------------------------------------------


class RedisServer:
    """A redis-server of our own on a free loopback port; ``restart`` keeps port and directory."""

    def __init__(self, directory: Path, *, appendonly: bool) -> None:
        self.dir = directory
        self.appendonly = appendonly
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "yes" if self.appendonly else "no",
                "--appendfsync",
                "always",
                "--dir",
                str(self.dir),
                "--logfile",
                str(self.dir / "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_until(lambda: _port_open(self.port), timeout=10, every=0.1)

    def stop(self) -> None:
        """SIGTERM (an orderly shutdown: with AOF on, everything written so far survives)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.proc = None

    def restart(self, down_for: float = 1.0) -> None:
        self.stop()
        time.sleep(down_for)  # connections see a refused broker, not just a blip
        self.start()


@pytest.fixture
def redis_aof(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path / "redis", appendonly=True)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def redis_volatile(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path / "redis", appendonly=False)
    server.start()
    try:
        yield server
    finally:
        server.stop()


# --- PostgreSQL -----------------------------------------------------------------------------------


class PostgresCluster:
    """A throwaway cluster of our own (initdb as user postgres), stopped and started at will."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="vistka-pg-"))
        self.port = free_port()
        shutil.chown(self.dir, "postgres", "postgres")
        self._as_postgres(
            str(PG_BIN / "initdb"),
            "-D",
            str(self.dir / "data"),
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
        )

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _as_postgres(self, *argv: str) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", *argv],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            timeout=120,
        )

    def start(self) -> None:
        self._as_postgres(
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(self.dir / "data"),
            "-l",
            str(self.dir / "pg.log"),
            "-w",
            "-o",
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -F",
            "start",
        )

    def stop(self) -> None:
        self._as_postgres(
            str(PG_BIN / "pg_ctl"), "-D", str(self.dir / "data"), "-w", "-m", "fast", "stop"
        )

    def destroy(self) -> None:
        with suppress(subprocess.CalledProcessError):
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def own_postgres() -> Iterator[PostgresCluster]:
    cluster = PostgresCluster()
    cluster.start()
    try:
        yield cluster
    finally:
        dispose_engines()
        cluster.destroy()


# --- the news site --------------------------------------------------------------------------------

VOCABULARY = """
уряд рада міністр область громада місто село школа лікарня дорога міст енергетика мережа
підстанція ремонт бюджет податок гривня банк ставка інфляція ринок зерно експорт порт
залізниця вокзал поїзд рейс аеропорт кордон митниця волонтер донор фонд грант проєкт
засідання рішення закон постанова суд прокурор поліція рятувальник пожежа повінь погода
врожай фермер завод виробництво інвестиція компанія працівник зарплата пенсія студент
університет вчитель учень музей театр фестиваль виставка книга фільм спортсмен турнір
команда перемога чемпіонат тренер стадіон басейн парк сквер вулиця будинок квартира
опалення вода газ світло тариф лічильник житло укриття сирена тривога делегація партнер
"""
WORDS = VOCABULARY.split()


def article_text(seed: int) -> list[str]:
    """Five paragraphs of text no other seed shares (so no two articles are near copies)."""
    rnd = random.Random(seed)
    paragraphs = []
    for p in range(5):
        sentences = []
        for _ in range(4):
            words = [rnd.choice(WORDS) for _ in range(rnd.randint(9, 14))]
            sentences.append(" ".join(words).capitalize() + f" {seed * 100 + p}.")
        paragraphs.append(" ".join(sentences))
    return paragraphs


def article_page(base: str, slug: str, title: str, paragraphs: list[str]) -> bytes:
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<!doctype html><html lang="uk"><head><meta charset="utf-8">
<title>{title} | Тестова агенція</title>
<link rel="canonical" href="{base}/news/{slug}.html"></head><body>
<header><nav><a href="{base}/">Головна</a> <a href="{base}/news">Новини</a></nav></header>
<main><article><h1>{title}</h1><div class="article-body">
{body}
</div></article></main>
<footer>© Тестова агенція. Усі права захищені.</footer></body></html>""".encode()


@dataclass
class NewsSite:
    """Feeds of generated articles on a loopback server; some pages slow, broken or copies."""

    server: LoopbackServer
    feeds: dict[str, list[str]] = field(default_factory=dict)  # feed path -> article paths
    slow: dict[str, float] = field(default_factory=dict)  # article path -> delay (every hit)
    slow_once: dict[str, float] = field(default_factory=dict)  # article path -> delay (1st hit)

    def add_feed(
        self, name: str, count: int, *, seed: int = 0, missing: int = 0, copies: int = 0
    ) -> str:
        """A feed of ``count`` articles; the last ``missing`` answer 404, ``copies`` more repeat
        the text of the first articles under another URL. Returns the feed URL."""
        base = self.server.base
        now = datetime.now(UTC)
        paths: list[str] = []
        items = []
        for i in range(count + copies):
            slug = f"{name}-{i}"
            path = f"/news/{slug}.html"
            paths.append(path)
            text = article_text(seed * 1000 + (i - count if i >= count else i))
            title = f"Новина {name} номер {i}"
            if i < count - missing or i >= count:
                page = article_page(base, slug, title, text)
                self.server.routes[path] = self._page(path, page)
            items.append(
                f"<item><title>{title}</title><link>{base}{path}</link>"
                f'<guid isPermaLink="false">{slug}</guid>'
                f"<pubDate>{format_datetime(now - timedelta(minutes=i))}</pubDate>"
                f"<description>{text[0][:120]}</description></item>"
            )
        feed = (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>Тестова агенція {name}</title><link>{base}/</link><language>uk</language>"
            + "".join(items)
            + "</channel></rss>"
        ).encode()
        feed_path = f"/feeds/{name}.xml"
        self.server.routes[feed_path] = Reply(
            200, {"Content-Type": "application/rss+xml; charset=utf-8", "ETag": f'"{name}"'}, feed
        )
        self.feeds[feed_path] = paths
        return self.server.url(feed_path)

    def _page(self, path: str, page: bytes) -> Callable[[Request], Reply]:
        def handle(_: Request) -> Reply:
            delay = self.slow.get(path, 0.0)
            if path in self.slow_once and self.server.hits(path) <= 1:
                delay = self.slow_once[path]
            return Reply(200, {"Content-Type": "text/html; charset=utf-8"}, page, delay=delay)

        return handle


@pytest.fixture
def site(http_server: LoopbackServer) -> NewsSite:
    return NewsSite(http_server)


# --- the service ----------------------------------------------------------------------------------


def fault_backend(
    tmp: Path, database_url: str | None, broker_url: str | None, **extra: str
) -> Backend:
    """Production-shaped (PostgreSQL + Redis) or, with neither URL, embedded (SQLite + files)."""
    env = base_env(tmp / "data", **{**FAULT_SETTINGS, **extra})
    if database_url is not None:
        env["VISTKA_DATABASE_URL"] = database_url
    if broker_url is not None:
        env["VISTKA_BROKER_URL"] = broker_url
    return Backend("faults", env, tmp / "data")


@pytest.fixture
def pg_database() -> Iterator[str]:
    with postgres_database() as url:
        yield url


class Service:
    """``vistka`` subprocesses of one backend, each in its own process group, logs in data_dir."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.procs: list[subprocess.Popen[bytes]] = []
        backend.data_dir.mkdir(parents=True, exist_ok=True)

    def log(self, name: str) -> Path:
        return self.backend.data_dir / f"{name}.log"

    def spawn(
        self, name: str, *args: str, ready: str | None = "ready", env: dict[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        handle = self.log(name).open("ab")
        proc = subprocess.Popen(
            [sys.executable, "-m", "workers.cli", *args],
            env={**self.backend.env, **(env or {})},
            cwd=PROJECT_ROOT,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        handle.close()
        self.procs.append(proc)
        if ready:
            wait_for_log(self.log(name), ready, proc, timeout=60)
        return proc

    def worker(self, name: str = "worker", *args: str) -> subprocess.Popen[bytes]:
        return self.spawn(name, "worker", *args)

    def kill(self, proc: subprocess.Popen[bytes]) -> None:
        """SIGKILL the whole process group (the main process, its pool and any embedded beat)."""
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)

    def close(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                try:
                    os.kill(proc.pid, signal.SIGTERM)
                    proc.wait(15)
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    pass
            with suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)  # leftovers of the group (pool children)


@contextmanager
def service(backend: Backend, *feed_urls: str, interval: int = 900) -> Iterator[Service]:
    """Migrated database with the feeds added; every process started is gone afterwards."""
    backend.cli("db", "upgrade")
    for url in feed_urls:
        backend.cli("feeds", "add", url, "--interval", str(interval))
    svc = Service(backend)
    try:
        yield svc
    finally:
        svc.close()
        dispose_engines()


# --- what the database says -----------------------------------------------------------------------


@dataclass(frozen=True)
class Counts:
    rows: int
    by_status: dict[str, int]
    urls_twice: list[str]

    @property
    def pending(self) -> int:
        return self.by_status.get("discovered", 0) + self.by_status.get("fetched", 0)


def article_counts(database_url: str) -> Counts:
    from workers.settings import normalise_database_url

    url = normalise_database_url(database_url)
    with session_scope(url) as s:
        rows = int(s.scalar(select(func.count()).select_from(Article)) or 0)
        by_status = {
            str(k): int(v)
            for k, v in s.execute(
                select(col(Article.status), func.count()).group_by(col(Article.status))
            )
        }
        twice = [
            str(u)
            for u in s.scalars(
                select(col(Article.url)).group_by(col(Article.url)).having(func.count() > 1)
            )
        ]
    return Counts(rows, by_status, twice)


def status_of(database_url: str, url: str) -> list[str]:
    from workers.settings import normalise_database_url

    with session_scope(normalise_database_url(database_url)) as s:
        return [
            str(v) for v in s.scalars(select(col(Article.status)).where(col(Article.url) == url))
        ]


def feeds_leased(database_url: str) -> int:
    from workers.settings import normalise_database_url

    with session_scope(normalise_database_url(database_url)) as s:
        return int(
            s.scalar(
                select(func.count()).select_from(Feed).where(col(Feed.lease_token).is_not(None))
            )
            or 0
        )


def settled(database_url: str, expected_rows: int) -> Callable[[], bool]:
    """True once every expected article row exists and none is pending."""

    def check() -> bool:
        c = article_counts(database_url)
        return c.rows >= expected_rows and c.pending == 0

    return check


def tail(path: Path, lines: int = 60) -> str:
    if not path.exists():
        return f"({path} absent)"
    return "\n".join(path.read_text("utf-8", "replace").splitlines()[-lines:])
