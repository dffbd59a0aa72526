"""End to end: ``vistka run --once`` (PostgreSQL + Redis) over a loopback news site, vs the floor.

The site (``bench.site``) serves copies of the extraction benchmark's real pages in RSS feeds from
its own process, with an optional latency per request. Measured in one run:

- trafilatura alone on the same pages in this process: CPU per article, and the floor for the
  wall time (its CPU ÷ cores);
- a naive reference: one loop of httpx + feedparser + trafilatura + sqlite3;
- ``vistka run --once`` as a subprocess (fresh database, own Redis database): wall time, articles
  per second, discovery → stored (p50, p95) from the article rows, CPU per article of the whole
  process tree (CLI, worker, pool; ``RUSAGE_CHILDREN``) and of PostgreSQL + Redis (sampled), peak
  RSS per worker process (sampled with psutil);
- ``vistka run --once`` again on the unchanged feeds: requests (feeds only, 304), CPU per poll.

    .venv/bin/python -m bench.pipeline [--pages 900] [--feeds 20] [--latency-ms 0] [--quick]
        [--service-root PATH]   # another checkout's service, measured by this benchmark
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import site as bench_site

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = os.environ.get("VISTKA_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS = os.environ.get("VISTKA_BENCH_REDIS", "redis://127.0.0.1:6379/14")
SAMPLE_EVERY = 0.2

# The targets (for reference: printed beside the figures, never asserted).
TARGETS = {
    0.0: {"floor": 1.35, "naive": 2.5},
    100.0: {"floor": 1.5, "naive": 10.0},
}
CPU_TARGET = 1.25
RSS_TARGET_MB = 400


def cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def machine() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return f"{line.split(':', 1)[1].strip()}, {cores()} cores"
    except OSError:
        pass
    return f"{cores()} cores"


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


# --- sampling -------------------------------------------------------------------------------


@dataclass
class ProcStat:
    role: str
    rss: int = 0
    cpu: float = 0.0


@dataclass
class Sampler:
    """Peak RSS and last-seen CPU of a process tree, and CPU of PostgreSQL and Redis processes."""

    root: int
    procs: dict[int, ProcStat] = field(default_factory=dict)
    service_start: dict[int, float] = field(default_factory=dict)
    service_last: dict[int, float] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __post_init__(self) -> None:
        import psutil

        self._psutil = psutil
        for pid, cpu in self._services().items():
            self.service_start[pid] = cpu

    def _services(self) -> dict[int, float]:
        out = {}
        for p in self._psutil.process_iter(["name", "cpu_times"]):
            name = p.info["name"] or ""
            times = p.info["cpu_times"]
            if times is not None and (name.startswith("postgres") or name.startswith("redis")):
                out[p.pid] = times.user + times.system
        return out

    def _role(self, proc: object, parent: int | None) -> str:
        if proc.pid == self.root:  # type: ignore[attr-defined]
            return "cli"
        cmd = " ".join(proc.cmdline())  # type: ignore[attr-defined]
        if "celery" in cmd and parent == self.root:
            return "io worker" if "threads" in cmd else "extract main"
        return "extract pool" if "celery" in cmd or parent != self.root else "other"

    def sample(self) -> None:
        psutil = self._psutil
        try:
            root = psutil.Process(self.root)
            tree = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return
        for proc in tree:
            try:
                with proc.oneshot():
                    mem, times = proc.memory_info(), proc.cpu_times()
                    stat = self.procs.get(proc.pid)
                    if stat is None:
                        stat = self.procs[proc.pid] = ProcStat(self._role(proc, proc.ppid()))
                    elif stat.role == "other":
                        # Sampled between fork and exec, a worker still showed the command's
                        # own command line (and its figures read 0.0 in the report).
                        stat.role = self._role(proc, proc.ppid())
                    stat.rss = max(stat.rss, mem.rss)
                    stat.cpu = max(stat.cpu, times.user + times.system)
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
        self.service_last.update(self._services())

    def _run(self) -> None:
        while not self._stop.wait(SAMPLE_EVERY):
            self.sample()

    def __enter__(self) -> Sampler:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join()

    def peak_rss_mb(self, role: str) -> float:
        return max((p.rss for p in self.procs.values() if p.role == role), default=0) / 2**20

    def cpu(self, role: str) -> float:
        return sum(p.cpu for p in self.procs.values() if p.role == role)

    def service_cpu(self) -> float:
        return sum(cpu - self.service_start.get(pid, 0.0) for pid, cpu in self.service_last.items())


# --- the site, the services -----------------------------------------------------------------


@contextmanager
def served(root: Path, latency_ms: float) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.site", str(root), "--latency-ms", str(latency_ms)],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        if not line.startswith("ready "):
            raise RuntimeError(f"site did not start: {line!r}")
        yield line.split()[1], proc
    finally:
        proc.terminate()
        proc.wait(10)


def site_stats(base: str, reset: bool = False) -> dict[str, int]:
    with urllib.request.urlopen(f"{base}/__stats") as r:
        stats: dict[str, int] = json.loads(r.read())
    if reset:
        urllib.request.urlopen(f"{base}/__reset").read()
    return stats


@contextmanager
def fresh_database() -> Iterator[str]:
    import psycopg

    name = f"vistka_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_ADMIN.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
            )
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')


def flush_redis() -> None:
    import redis

    client = redis.Redis.from_url(REDIS, socket_connect_timeout=3)
    client.flushdb()
    client.close()


def service_env(
    data_dir: Path,
    database: str,
    concurrency: int,
    io_concurrency: int = 16,
    service_root: Path = PROJECT_ROOT,
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VISTKA_")}
    env.update(
        {
            "VISTKA_DATA_DIR": str(data_dir),
            "VISTKA_DATABASE_URL": database,
            "VISTKA_BROKER_URL": REDIS,
            "VISTKA_ALLOWED_NETWORKS": "127.0.0.0/8",
            "VISTKA_CONCURRENCY": str(concurrency),
            "VISTKA_IO_CONCURRENCY": str(io_concurrency),
            # The whole site is one host: per-host politeness would measure the limit, not the
            # pipeline. Raised out of the way (ignored by a service without these settings).
            "VISTKA_HOST_RATE": "10000",
            "VISTKA_HOST_BURST": "10000",
            "VISTKA_HOST_CONCURRENCY": "256",
            "PYTHONPATH": str(service_root),
        }
    )
    return env


def vistka(env: dict[str, str], *args: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "workers.cli", *args],
        env=env,
        cwd=data_dir_of(env),
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"vistka {' '.join(args)} exited {proc.returncode}:\n{proc.stderr}")
    return proc.stdout


def data_dir_of(env: dict[str, str]) -> Path:
    return Path(env["VISTKA_DATA_DIR"])


# --- measurements ---------------------------------------------------------------------------


@dataclass
class Run:
    wall: float
    cpu: float  # whole process tree, from RUSAGE_CHILDREN
    summary: dict[str, object]
    sampler: Sampler
    requests: dict[str, int]
    started: float  # wall clock (epoch seconds) when the command was started


def run_once(env: dict[str, str], base: str) -> Run:
    site_stats(base, reset=True)
    started = time.time()
    cpu0, t0 = _children_cpu(), time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "workers.cli", "run", "--once", "--json"],
        env=env,
        cwd=data_dir_of(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    with Sampler(proc.pid) as sampler:
        out, err = proc.communicate()
        # Read before the sampler's thread is joined, which may take one more sampling period.
        wall, cpu = time.perf_counter() - t0, _children_cpu() - cpu0
    if proc.returncode != 0:
        raise RuntimeError(f"vistka run --once exited {proc.returncode}:\n{err}")
    return Run(wall, cpu, json.loads(out), sampler, site_stats(base), started)


def repoll_in_process(env: dict[str, str]) -> float:
    """CPU of polling every (unchanged) feed once with the service's own code, in this process:
    the cost of a poll without the start of a worker process around it."""
    os.environ.update(env)
    from workers import polling
    from workers.settings import get_settings

    get_settings.cache_clear()
    settings = get_settings()
    cpu0 = time.process_time()
    for claim in polling.dispatch(settings, force=True):
        polling.poll(settings, claim)
    return time.process_time() - cpu0


def _fetch(database: str, *queries: str) -> list[list[tuple[Any, ...]]]:
    """The rows of each query, on one connection to the run's database."""
    import psycopg

    url = database.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url) as conn:
        return [conn.execute(query).fetchall() for query in queries]


def stored_latencies(database: str) -> tuple[int, list[float]]:
    rows, stored = _fetch(
        database,
        "SELECT EXTRACT(EPOCH FROM stored_at - discovered_at) FROM article WHERE status = 'stored'",
        "SELECT count(*) FROM article WHERE status = 'stored' AND duplicate_of IS NULL",
    )
    return int(stored[0][0] if stored else 0), sorted(float(r[0]) for r in rows)


def timeline(database: str, started: float) -> tuple[float, float, float]:
    """Seconds from the command's start to the first article discovered, the first stored and
    the last stored: what start-up and stop add to the work itself."""
    ((row,),) = _fetch(
        database,
        "SELECT EXTRACT(EPOCH FROM min(discovered_at)), EXTRACT(EPOCH FROM min(stored_at)), "
        "EXTRACT(EPOCH FROM max(stored_at)) FROM article",
    )
    if None in row:
        return float("nan"), float("nan"), float("nan")
    first_found, first_stored, last_stored = (float(v) - started for v in row)
    return first_found, first_stored, last_stored


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    return (
        statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]
        if len(values) > 1
        else values[0]
    )


def trafilatura_alone(pages: list[tuple[str, str]]) -> float:
    """CPU seconds of plain ``trafilatura.extract`` over the pages, in this process."""
    import trafilatura

    trafilatura.extract("<html><body><p>warm up the imports and caches</p></body></html>")
    c0 = time.process_time()
    for url, html in pages:
        trafilatura.extract(html, url=url)
    return time.process_time() - c0


def trafilatura_in_parallel(pages: list[tuple[str, str]], processes: int) -> tuple[float, float]:
    """(wall, CPU) of plain ``trafilatura.extract`` over the pages split among ``processes``
    forked processes running at once: what the machine gives when every core extracts, which
    the floor (one process's CPU ÷ cores) assumes is free. A shared machine's cores may not be."""
    import multiprocessing

    def share(index: int, answer: Any) -> None:
        answer.send(trafilatura_alone(pages[index::processes]))
        answer.close()

    ctx = multiprocessing.get_context("fork")
    pipes = [ctx.Pipe(duplex=False) for _ in range(processes)]
    started = time.perf_counter()
    children = [ctx.Process(target=share, args=(i, sender)) for i, (_, sender) in enumerate(pipes)]
    for child in children:
        child.start()
    cpu = sum(receiver.recv() for receiver, _ in pipes)
    wall = time.perf_counter() - started
    for child in children:
        child.join()
    return wall, cpu


def naive(base: str, feed_paths: list[str], db_path: Path) -> tuple[float, float, int]:
    """One loop: httpx + feedparser + trafilatura + sqlite3. (wall, CPU, articles stored)."""
    import feedparser
    import httpx
    import trafilatura

    t0, c0 = time.perf_counter(), time.process_time()
    db = sqlite3.connect(db_path)
    db.execute("CREATE TABLE article (url TEXT PRIMARY KEY, title TEXT, text TEXT)")
    stored = 0
    with httpx.Client(timeout=30) as client:
        for path in feed_paths:
            feed = feedparser.parse(client.get(base + path).content)
            for entry in feed.entries:
                page = client.get(entry.link)
                text = trafilatura.extract(page.text, url=entry.link)
                if text:
                    db.execute(
                        "INSERT OR IGNORE INTO article VALUES (?, ?, ?)",
                        (entry.link, entry.get("title"), text),
                    )
                    db.commit()
                    stored += 1
    db.close()
    return time.perf_counter() - t0, time.process_time() - c0, stored


# --- the run --------------------------------------------------------------------------------


def compile_service(root: Path) -> None:
    """The service's modules compiled to bytecode before it runs, as an installed service has
    them (pip compiles what it installs): run from a checkout, every process it starts would
    otherwise compile them again (about 0.1 s of CPU each where PYTHONDONTWRITEBYTECODE is set),
    and two checkouts compared would differ by what was cached."""
    for package in ("ingest", "storage", "workers"):
        compileall.compile_dir(root / package, quiet=1)


def measure(args: argparse.Namespace) -> int:
    n_cores = cores()
    print(
        f"vistka pipeline benchmark: {args.pages} pages in {args.feeds} feeds, "
        f"latency {args.latency_ms:g} ms, {args.concurrency} extraction processes, "
        f"{args.io_concurrency} fetch threads; {machine()}",
        flush=True,
    )
    if args.service_root.resolve() != PROJECT_ROOT:
        print(f"service from {args.service_root}", flush=True)
    compile_service(args.service_root)
    sources = bench_site.load_sources(args.shared / "corpus")
    site = bench_site.build(sources, args.pages, args.feeds)
    with tempfile.TemporaryDirectory(prefix="vistka-bench-") as tmp:
        root = Path(tmp)
        (root / "site").mkdir()
        bench_site.write(site, root / "site")
        with served(root / "site", args.latency_ms) as (base, server):
            pages = list(zip([base + p.path for p in site.pages], site.html(base), strict=True))

            print("trafilatura alone …", flush=True)
            traf_before = trafilatura_alone(pages)
            print(f"trafilatura alone, {n_cores} processes at once …", flush=True)
            parallel = trafilatura_in_parallel(pages, n_cores)

            print("naive loop …", flush=True)
            site_stats(base, reset=True)
            naive_wall, naive_cpu, naive_stored = naive(base, list(site.feeds), root / "naive.db")

            print("vistka run --once …", flush=True)
            flush_redis()
            with fresh_database() as database:
                env = service_env(
                    root / "data",
                    database,
                    args.concurrency,
                    args.io_concurrency,
                    args.service_root,
                )
                (root / "data").mkdir()
                vistka(env, "db", "upgrade")
                opml = root / "feeds.opml"
                opml.write_text(
                    '<?xml version="1.0"?><opml version="2.0"><head><title>bench</title></head>'
                    "<body>"
                    + "".join(
                        f'<outline type="rss" text="{p}" xmlUrl="{base}{p}"/>' for p in site.feeds
                    )
                    + "</body></opml>",
                    encoding="utf-8",
                )
                vistka(env, "feeds", "import", str(opml))
                first = run_once(env, base)
                stored, latencies = stored_latencies(database)
                moments = timeline(database, first.started)
                print("vistka run --once again (unchanged feeds) …", flush=True)
                again = run_once(env, base)
                repoll_cpu = repoll_in_process(env)
            # Measured again after the service's run: a shared machine's speed drifts over
            # minutes, and the reference is the mean of the two measurements around the run.
            print("trafilatura alone, again …", flush=True)
            traf_after = trafilatura_alone(pages)
            traf_cpu = (traf_before + traf_after) / 2
            floor = traf_cpu / n_cores
            server_cpu = _proc_cpu(server.pid)

    report(
        args,
        n_cores,
        traf_cpu,
        traf_before,
        traf_after,
        floor,
        naive_wall,
        naive_cpu,
        naive_stored,
        first,
        again,
        stored,
        latencies,
        moments,
        server_cpu,
        repoll_cpu,
        parallel,
    )
    ok = stored == args.pages
    if not ok:
        print(
            f"\nWARNING: {stored} originals stored for {args.pages} pages "
            f"(summary: {json.dumps(first.summary)})"
        )
    return 0 if ok else 1


def _proc_cpu(pid: int) -> float:
    import psutil

    try:
        t = psutil.Process(pid).cpu_times()
        return t.user + t.system
    except psutil.NoSuchProcess:
        return float("nan")


def report(
    args: argparse.Namespace,
    n_cores: int,
    traf_cpu: float,
    traf_before: float,
    traf_after: float,
    floor: float,
    naive_wall: float,
    naive_cpu: float,
    naive_stored: int,
    first: Run,
    again: Run,
    stored: int,
    latencies: list[float],
    moments: tuple[float, float, float],
    server_cpu: float,
    repoll_cpu: float,
    parallel: tuple[float, float],
) -> None:
    n = args.pages
    target = TARGETS.get(args.latency_ms, TARGETS[0.0] if args.latency_ms < 50 else TARGETS[100.0])
    traf_per = traf_cpu / n
    tree_per = first.cpu / max(1, stored)
    services_cpu = first.sampler.service_cpu()
    all_per = (first.cpu + services_cpu) / max(1, stored)
    feeds = args.feeds
    s = first.sampler

    rows: list[tuple[str, str, str]] = [
        (
            "pages served / stored as originals",
            f"{n} / {stored}",
            "equal" if stored == n else "MISMATCH",
        ),
        (
            "summary (first run)",
            f"discovered {first.summary.get('discovered')}, "
            f"duplicates {first.summary.get('duplicates')}, failed {first.summary.get('failed')}",
            "",
        ),
        (
            "trafilatura alone, CPU",
            f"{traf_cpu:.1f} s ({1000 * traf_per:.1f} ms/article)",
            f"one process; mean of {traf_before:.1f} s before and {traf_after:.1f} s after",
        ),
        (f"floor = its CPU / {n_cores} cores", f"{floor:.1f} s", ""),
        (
            f"trafilatura alone, {n_cores} processes at once",
            f"wall {parallel[0]:.1f} s, CPU {1000 * parallel[1] / n:.1f} ms/article",
            f"{parallel[0] / floor:.2f}× the floor, {parallel[1] / traf_cpu:.2f}× one process's "
            "CPU: what the cores give when all extract",
        ),
        (
            "naive loop, wall",
            f"{naive_wall:.1f} s ({naive_stored / naive_wall:.1f} art/s)",
            f"CPU {1000 * naive_cpu / n:.1f} ms/article",
        ),
        (
            "run --once, wall",
            f"{first.wall:.1f} s ({stored / first.wall:.1f} art/s)",
            f"summary says {first.summary.get('seconds')} s",
        ),
        ("  wall / floor", f"{first.wall / floor:.2f}×", f"target ≤ {target['floor']}×"),
        ("  naive / run --once", f"{naive_wall / first.wall:.2f}×", f"target ≥ {target['naive']}×"),
        (
            "first discovered / first stored / last stored / exit",
            " / ".join(f"{t:.1f}" for t in (*moments, first.wall)) + " s",
            "from the start of the command: start-up before, stop after",
        ),
        (
            "discovered → stored p50 / p95",
            f"{percentile(latencies, 50):.1f} s / {percentile(latencies, 95):.1f} s",
            "",
        ),
        (
            "CPU per article, process tree",
            f"{1000 * tree_per:.1f} ms",
            f"{tree_per / traf_per:.2f}× trafilatura (target ≤ {CPU_TARGET}×)",
        ),
        (
            "  + PostgreSQL and Redis",
            f"{1000 * all_per:.1f} ms",
            f"{all_per / traf_per:.2f}× trafilatura",
        ),
        (
            "  of which: cli / io worker / extract main / pool",
            f"{s.cpu('cli'):.1f} / {s.cpu('io worker'):.1f} / {s.cpu('extract main'):.1f} / "
            f"{s.cpu('extract pool'):.1f} s",
            f"services {services_cpu:.1f} s (sampled)",
        ),
        (
            "peak RSS: io worker / extract main / child / cli",
            f"{s.peak_rss_mb('io worker'):.0f} / {s.peak_rss_mb('extract main'):.0f} / "
            f"{s.peak_rss_mb('extract pool'):.0f} / {s.peak_rss_mb('cli'):.0f} MB",
            f"target < {RSS_TARGET_MB} MB",
        ),
        (
            "re-poll: requests",
            ", ".join(f"{k}: {v}" for k, v in sorted(again.requests.items())),
            f"expect feed 304: {feeds}, no page",
        ),
        (
            "re-poll: wall / CPU per feed poll",
            f"{again.wall:.1f} s / {1000 * again.cpu / feeds:.0f} ms",
            f"in one process: {1000 * repoll_cpu / feeds:.1f} ms/poll (target ≤ 5 ms; the rest "
            "is process start)",
        ),
        ("site server CPU (all runs)", f"{server_cpu:.1f} s", "its own process"),
    ]
    width = max(len(r[0]) for r in rows) + 2
    vwidth = max(len(r[1]) for r in rows) + 2
    print()
    for label, value, note in rows:
        print(f"{label:<{width}}{value:<{vwidth}}{note}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = PROJECT_ROOT.parent / "shared"
    parser.add_argument("--shared", type=Path, default=default, help="shared material (../shared)")
    parser.add_argument("--pages", type=int, default=900)
    parser.add_argument("--feeds", type=int, default=20)
    parser.add_argument(
        "--latency-ms", type=float, default=0.0, help="delay before every answer of the site"
    )
    parser.add_argument(
        "--concurrency", type=int, default=cores(), help="VISTKA_CONCURRENCY (extraction)"
    )
    parser.add_argument(
        "--io-concurrency", type=int, default=16, help="VISTKA_IO_CONCURRENCY (fetch threads)"
    )
    parser.add_argument("--quick", action="store_true", help="200 pages")
    parser.add_argument(
        "--service-root",
        type=Path,
        default=PROJECT_ROOT,
        help="run the service from this checkout (an earlier release, to compare in one session)",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.pages = min(args.pages, 200)
    if not (args.shared / "corpus" / "extraction-benchmark").is_dir():
        print(f"no corpus under {args.shared}", file=sys.stderr)
        return 2
    try:
        import psutil  # noqa: F401
    except ImportError:
        print("psutil is needed: .venv/bin/pip install psutil", file=sys.stderr)
        return 2
    return measure(args)


if __name__ == "__main__":
    sys.exit(main())
