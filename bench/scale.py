"""Does the cost per article stay flat as the database grows, and how long is a dispatch cycle?

For each size (1,000 and 100,000 stored articles by default) a fresh PostgreSQL database is
filled with that many stored articles, with everything an article leaves behind in the shared
indexes (58 near-duplicate band keys, 3 exact keys, a host page and 60 host lines), spread over
500 hosts, one of them the site's own. Then, in rounds, new pages of the same kind of loopback
site as ``bench.pipeline`` (pages of ``../shared/corpus/extraction-benchmark``) go through the
service's own steps in this process — poll, fetch, extract, the code the tasks run, without
Celery — once for each size, the sizes taking turns to go first; each size's median CPU and wall
time per article over the rounds are compared. Measured once per size, a minute or two apart,
the growth swung by a quarter either way on a virtual machine whose speed drifted that much.
Celery's per-message cost does not depend on the database's size; ``bench.pipeline`` measures
it.

The dispatch figure: 10,000 due feeds on 1,000 hosts in the larger database; the time of each
dispatch cycle (``workers.polling.dispatch``, the beat task's body) until every feed is claimed.

The re-poll figure: 1,000 feeds (one page each) polled once, then polled again unchanged: the
requests the site saw (feeds only, answered 304; no page) and the CPU per poll, in this process.

    .venv/bin/python -m bench.scale [--sizes 1000,100000] [--rounds 3] [--pages 200] \
        [--shared ../shared]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import site as bench_site
from bench.pipeline import PROJECT_ROOT, fresh_database, machine, served, service_env, vistka

WARM_UP_PAGES = 20
SITE_HOST = "127.0.0.1"  # the loopback site's host, whatever its port
FLAT_TARGET = 0.15  # the bound on the growth of the cost per article
DISPATCH_TARGET_S = 1.0

# Stored articles as the pipeline leaves them, written by the database itself (generate_series):
# a Python loop would take longer than the measurement. One of the 500 hosts is the site's own,
# so its pages are checked against a history of that host's lines.
_HOST = "CASE WHEN g % 500 = 0 THEN :site ELSE 'h' || (g % 500) || '.example' END"
_LINES = 60  # lines counted per stored page (paragraphs, captions, template lines)
_FILL = [
    """INSERT INTO article (id, url_key, url, host, status, attempts, title, text, language,
         content_hash, canonical_key, story_id, discovered_at, stored_at, updated_at,
         published_at)
       SELECT g, md5('u' || g) || md5('v' || g), 'https://h' || (g % 500) || '.example/a/' || g,
         'h' || (g % 500) || '.example', 'stored', 1, 'Article ' || g, 'Text of article ' || g,
         'en', md5('t' || g) || md5('s' || g), md5('c' || g) || md5('d' || g), g,
         now() - (g || ' seconds')::interval, now(), now(), now() - (g || ' seconds')::interval
       FROM generate_series(1, :n) AS g""",
    """INSERT INTO article_band (band_key, article_id)
       SELECT (CASE WHEN b < 50 THEN 'w' ELSE 'l' END) || b || ':' || substr(md5(g || ':' || b), 1,
         16), g
       FROM generate_series(1, :n) AS g, generate_series(0, 57) AS b""",
    """INSERT INTO article_key (key, article_id)
       SELECT k || ':' || md5(k || g) || md5(g || k), g
       FROM generate_series(1, :n) AS g, unnest(ARRAY['url', 'text', 'canon']) AS k""",
    f"""INSERT INTO host_page (host, url_key)
       SELECT {_HOST}, md5('u' || g) || md5('v' || g)
       FROM generate_series(1, :n) AS g""",
    # Every line of every page is counted for its host: the lines of stored pages, each seen on
    # one page (an article's own paragraphs), and each host's page count.
    f"""INSERT INTO host_line (host, fingerprint, pages)
       SELECT {_HOST}, 'l:' || substr(md5(g || '/' || line), 1, 16), 1
       FROM generate_series(1, :n) AS g, generate_series(1, {_LINES}) AS line
       ON CONFLICT DO NOTHING""",
    """INSERT INTO host_line (host, fingerprint, pages)
       SELECT host, '#pages', count(*) FROM host_page GROUP BY host
       ON CONFLICT DO NOTHING""",
    "SELECT setval(pg_get_serial_sequence('article', 'id'), :n)",
]
_FEEDS = """INSERT INTO feed (url, host, enabled, interval_seconds, current_interval_seconds,
      polls, consecutive_failures, entries_seen, next_poll_at, created_at, updated_at)
    SELECT 'https://f' || (g % 1000) || '.example/feed/' || g, 'f' || (g % 1000) || '.example',
      true, 900, 900, 0, 0, 0, now() - interval '1 minute', now(), now()
    FROM generate_series(1, 10000) AS g"""


def _engine(database: str) -> Any:
    """An engine on one of the benchmark's databases (its URLs name no driver)."""
    from sqlalchemy import create_engine

    return create_engine(database.replace("postgresql://", "postgresql+psycopg://", 1))


def fill(database: str, size: int, site_host: str) -> float:
    from sqlalchemy import text

    started = time.perf_counter()
    engine = _engine(database)
    with engine.begin() as conn:
        for statement in _FILL:
            conn.execute(text(statement), {"n": size, "site": site_host})
    # Statistics as a running service has them (autovacuum, or the sweeper's refresh).
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))
    engine.dispose()
    return time.perf_counter() - started


def pipeline_cost(base: str, feed_paths: list[str]) -> tuple[int, float, float]:
    """(articles, CPU s, wall s) of poll → fetch → extract, in this process."""
    from workers import extracting, fetching, polling
    from workers.settings import get_settings

    get_settings.cache_clear()
    settings = get_settings()
    extracting.warm_up(settings)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    ids: list[int] = []
    for claim in polling.dispatch(settings, force=True):
        ids += polling.poll(settings, claim).new_article_ids
    size = settings.articles_per_task  # in the batches the tasks take
    for start in range(0, len(ids), size):
        claimed = fetching.claim(settings, ids[start : start + size])
        fetching.write(settings, [fetching.download(settings, c) for c in claimed])
    for start in range(0, len(ids), size):
        extracting.extract_many(settings, ids[start : start + size])
    return len(ids), time.process_time() - cpu0, time.perf_counter() - wall0


def dispatch_cycles(env: dict[str, str]) -> list[tuple[int, float]]:
    """Dispatch cycles over 10,000 due feeds added to the database of ``env``."""
    from sqlalchemy import text

    from workers import polling
    from workers.settings import get_settings

    os.environ.update(env)
    get_settings.cache_clear()
    database = env["VISTKA_DATABASE_URL"]
    engine = _engine(database)
    with engine.begin() as conn:
        conn.execute(text(_FEEDS))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE feed"))
    engine.dispose()
    settings = get_settings()
    cycles: list[tuple[int, float]] = []
    while len(cycles) < 100:
        started = time.perf_counter()
        claimed = len(polling.dispatch(settings))
        cycles.append((claimed, time.perf_counter() - started))
        if claimed == 0:
            break
    return cycles


def repoll(sources: list[tuple[str, str]], root: Path, feeds: int) -> tuple[dict[str, int], float]:
    """(requests the site saw, CPU s) for the second poll of ``feeds`` unchanged feeds."""
    from bench.pipeline import repoll_in_process, site_stats

    site = bench_site.build(sources, feeds, feeds, seed=feeds)
    (root / "repoll").mkdir()
    bench_site.write(site, root / "repoll")
    with served(root / "repoll", 0.0) as (base, _), fresh_database() as database:
        env = service_env(root / "data-repoll", database, 1)
        env["VISTKA_DISPATCH_BATCH"] = str(feeds)  # one forced dispatch takes every feed
        (root / "data-repoll").mkdir()
        vistka(env, "db", "upgrade")
        opml = root / "repoll.opml"
        opml.write_text(
            '<?xml version="1.0"?><opml version="2.0"><head><title>t</title></head><body>'
            + "".join(f'<outline type="rss" xmlUrl="{base}{p}"/>' for p in site.feeds)
            + "</body></opml>",
            encoding="utf-8",
        )
        vistka(env, "feeds", "import", str(opml))
        repoll_in_process(env)  # the first poll: entries recorded, validators kept
        site_stats(base, reset=True)
        cpu = repoll_in_process(env)
        requests = site_stats(base)
        from storage.db import dispose_engines

        dispose_engines()
    return requests, cpu


def measure(args: argparse.Namespace) -> int:
    sizes = [int(s) for s in args.sizes.split(",")]
    print(
        f"vistka scale benchmark: sizes {sizes}, {args.rounds} rounds of {args.pages} pages; "
        f"{machine()}",
        flush=True,
    )
    sources = bench_site.load_sources(args.shared / "corpus")
    rows: list[Row] = []
    cycles: list[tuple[int, float]] = []
    with tempfile.TemporaryDirectory(prefix="vistka-scale-") as tmp, ExitStack() as stack:
        root = Path(tmp)
        envs: dict[int, dict[str, str]] = {}
        for size in sizes:
            database = stack.enter_context(fresh_database())
            envs[size] = service_env(root / f"data-{size}", database, 1)
            envs[size]["VISTKA_DISPATCH_BATCH"] = str(args.dispatch_batch)
            (root / f"data-{size}").mkdir()
            vistka(envs[size], "db", "upgrade")
            print(f"{size:,} stored articles: filling …", flush=True)
            filled = fill(database, size, SITE_HOST)
            print(f"  filled in {filled:.0f} s", flush=True)
        # Round 0 is a warm-up, not counted: what a process does once (lazy imports, the first
        # look at a host's robots.txt) would otherwise weigh on the first size measured.
        for turn in range(args.rounds + 1):
            # The same new pages for every size in a round; the sizes take turns going first,
            # so that a machine drifting during the run weighs on both alike.
            pages = args.pages if turn else WARM_UP_PAGES
            site = bench_site.build(sources, pages, 10, seed=1000 + turn)
            site_dir = root / f"site-{turn}"
            site_dir.mkdir()
            bench_site.write(site, site_dir)
            order = sizes if turn % 2 == 0 else sizes[::-1]
            with served(site_dir, 0.0) as (base, _):
                for size in order:
                    env = envs[size]
                    disable_feeds(env["VISTKA_DATABASE_URL"])  # the rounds before: not polled
                    for path in site.feeds:
                        vistka(env, "feeds", "add", base + path)
                    os.environ.update(env)
                    n, cpu, wall = pipeline_cost(base, list(site.feeds))
                    if turn:
                        rows.append(Row(turn, size, n, cpu, wall))
                    print(
                        f"round {turn}{' (warm-up)' if not turn else ''}, {size:,} stored: "
                        f"{1000 * cpu / n:.1f} ms of CPU per article",
                        flush=True,
                    )
                    from storage.db import dispose_engines

                    dispose_engines()
        print("dispatch: 10,000 feeds on 1,000 hosts …", flush=True)
        cycles = dispatch_cycles(envs[max(sizes)])
        print(f"re-poll: {args.repoll_feeds:,} unchanged feeds …", flush=True)
        requests, repoll_cpu = repoll(sources, root, args.repoll_feeds)
    report(rows, cycles, args.dispatch_batch)
    print(
        f"re-poll of {args.repoll_feeds:,} unchanged feeds: requests "
        + ", ".join(f"{k}: {v}" for k, v in sorted(requests.items()))
        + f"; CPU {1000 * repoll_cpu / args.repoll_feeds:.1f} ms per poll   (target: no page, "
        "≤ 5 ms)"
    )
    return 0


def disable_feeds(database: str) -> None:
    from sqlalchemy import text

    engine = _engine(database)
    with engine.begin() as conn:
        conn.execute(text("UPDATE feed SET enabled = false"))
    engine.dispose()


@dataclass(frozen=True)
class Row:
    turn: int
    size: int
    articles: int
    cpu: float
    wall: float

    @property
    def cpu_ms(self) -> float:
        return 1000 * self.cpu / self.articles

    @property
    def wall_ms(self) -> float:
        return 1000 * self.wall / self.articles


def report(rows: list[Row], cycles: list[tuple[int, float]], batch: int) -> None:
    """Each round's figures, then each size's median over the rounds and the growth between
    the smallest and the largest size's medians."""
    print()
    print(
        f"{'round':>5} {'stored before':>14} {'articles':>9} {'CPU ms/article':>15} "
        f"{'wall ms/article':>16}"
    )
    for r in rows:
        print(f"{r.turn:>5} {r.size:>14,} {r.articles:>9} {r.cpu_ms:>15.1f} {r.wall_ms:>16.1f}")
    sizes = sorted({r.size for r in rows})
    cpu = {s: statistics.median(r.cpu_ms for r in rows if r.size == s) for s in sizes}
    wall = {s: statistics.median(r.wall_ms for r in rows if r.size == s) for s in sizes}
    for s in sizes:
        print(f"median {s:>14,}: CPU {cpu[s]:.1f} ms, wall {wall[s]:.1f} ms per article")
    if len(sizes) >= 2:
        small, large = sizes[0], sizes[-1]
        # Each round's two sizes ran a few seconds apart on the same pages: their ratio is what
        # a drifting machine disturbs least, and the median of the rounds' ratios is the figure.
        pairs = list(
            zip(
                [r for r in rows if r.size == small],
                [r for r in rows if r.size == large],
                strict=True,
            )
        )
        by_round = [b.cpu_ms / a.cpu_ms - 1 for a, b in pairs]
        wall_by_round = [b.wall_ms / a.wall_ms - 1 for a, b in pairs]
        print(
            f"growth {small:,} → {large:,}, median of the rounds: CPU "
            f"{statistics.median(by_round):+.1%}, wall {statistics.median(wall_by_round):+.1%}"
            f"   (target within ±{FLAT_TARGET:.0%}); each round: "
            + ", ".join(f"{g:+.1%}" for g in by_round)
            + f"; medians of the sizes: {cpu[large] / cpu[small] - 1:+.1%}"
        )
    if cycles:
        claimed = sum(c for c, _ in cycles)
        total = sum(t for _, t in cycles)
        worst = max(t for _, t in cycles)
        print(
            f"dispatch: {claimed:,} feeds in {len(cycles)} cycles of ≤ {batch} "
            f"(the last one empty), total {total * 1000:.0f} ms, slowest cycle "
            f"{worst * 1000:.0f} ms   (target: a cycle over 10,000 feeds < "
            f"{DISPATCH_TARGET_S:g} s)"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,100000")
    parser.add_argument("--pages", type=int, default=200, help="new pages per size and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--dispatch-batch", type=int, default=500)
    parser.add_argument("--repoll-feeds", type=int, default=1000)
    parser.add_argument(
        "--shared",
        type=Path,
        default=Path(os.environ.get("VISTKA_SHARED_DIR", PROJECT_ROOT.parent / "shared")),
    )
    args = parser.parse_args(argv)
    if not (args.shared / "corpus" / "extraction-benchmark").is_dir():
        print(f"no corpus at {args.shared}: set --shared or VISTKA_SHARED_DIR", file=sys.stderr)
        return 2
    return measure(args)


if __name__ == "__main__":
    raise SystemExit(main())
