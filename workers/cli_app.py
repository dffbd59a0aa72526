"""The ``vistka`` command's commands: the service, its feeds, its articles, its reports.

The entry point (``workers.cli``) imports this module for every command but ``run``, and turns
every error a user can cause into one line (``error: …``) with exit code 1.
"""

from __future__ import annotations

import sys

import typer

from storage import migrate
from workers.cli_articles import articles_app, stats
from workers.cli_common import UserError, console, print_json, ready_settings
from workers.cli_feeds import feeds_app
from workers.cli_ops import explain, feeds_health, flower, heartbeat
from workers.cli_run import run
from workers.cli_schema import schema
from workers.settings import get_settings

app = typer.Typer(
    name="vistka",
    help="vistka — news ingestion: feeds → fetch → clean → dedupe → store → follow-ups.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)
config_app = typer.Typer(help="Configuration.", no_args_is_help=True)
dedup_app = typer.Typer(help="Duplicate detection and stories.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(feeds_app, name="feeds")
app.add_typer(articles_app, name="articles")
app.add_typer(config_app, name="config")
app.add_typer(dedup_app, name="dedup")
app.command("stats")(stats)
app.command("schema")(schema)
feeds_app.command("health")(feeds_health)
app.command("explain")(explain)
app.command("flower")(flower)
app.command("heartbeat")(heartbeat)
app.command("run")(run)


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head")) -> None:
    """Apply migrations (the only way the schema changes)."""
    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    migrate.upgrade(settings.database, revision)
    console.print(f"database at revision {migrate.current_revision(settings.database)}")


@db_app.command("downgrade")
def db_downgrade(revision: str = typer.Argument(..., help="e.g. -1 or a revision id")) -> None:
    """Step the schema back."""
    settings = get_settings()
    migrate.downgrade(settings.database, revision)
    console.print(f"database at revision {migrate.current_revision(settings.database)}")


@db_app.command("current")
def db_current() -> None:
    settings = get_settings()
    console.print(str(migrate.current_revision(settings.database)))


@dedup_app.command("rebuild")
def dedup_rebuild(
    batch: int = typer.Option(200, "--batch", help="articles per transaction"),
) -> None:
    """Recompute the duplicate index and the stories of all stored articles, in batches."""
    from rich.progress import Progress

    from workers.maintenance import rebuild_dedup

    settings = ready_settings()
    with Progress(console=console) as bar:
        task = bar.add_task("rebuilding", total=None)
        n = rebuild_dedup(
            settings, batch, progress=lambda d, t: bar.update(task, completed=d, total=t)
        )
    console.print(f"rebuilt duplicate index over {n} article(s)")


@config_app.command("show")
def config_show(as_json: bool = typer.Option(False, "--json")) -> None:
    """The effective settings, secrets masked."""
    shown = get_settings().shown()
    if as_json:
        print_json(shown)
        return
    for key, value in shown.items():
        console.print(f"{key} = {value}", markup=False)


@app.command("worker", context_settings={"allow_extra_args": True})
def worker(
    queues: str = typer.Option(
        ",".join(("control", "feeds", "fetch", "extract", "reports")),
        "--queues",
        "-Q",
        help="comma-separated queues to consume",
    ),
    concurrency: int | None = typer.Option(None, "--concurrency", "-c"),
    pool: str = typer.Option("prefork", "--pool", "-P", help="prefork, threads, solo"),
    hostname: str | None = typer.Option(None, "--hostname", "-n"),
    beat: bool = typer.Option(False, "--beat", "-B", help="embed beat (one node only)"),
) -> None:
    """A worker consuming the given queues."""
    from workers import celery_worker
    from workers.service import worker_argv

    settings = get_settings()
    code = celery_worker.start(
        worker_argv(
            settings,
            queues=queues.split(","),
            concurrency=concurrency,
            pool=pool,
            beat=beat,
            hostname=hostname,
        )
    )
    if code:
        raise typer.Exit(code)


@app.command("beat")
def beat() -> None:
    """The scheduler alone (run exactly one; a second one is harmless but wasteful)."""
    from workers.app import app as celery_app

    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    celery_app.start(
        [
            "beat",
            "--schedule",
            str((settings.data_dir / "celerybeat-schedule").resolve()),
            "--loglevel",
            settings.log_level,
        ]
    )


@app.command("demo")
def demo(
    data_dir: str | None = typer.Option(None, "--data-dir", help="default: <data dir>/demo"),
) -> None:
    """Ingest a sample news site served on 127.0.0.1 and show the result (no internet needed)."""
    from pathlib import Path

    from workers.demo.runner import run_demo

    raise typer.Exit(run_demo(Path(data_dir) if data_dir else None))


@app.command("report")
def report(
    days: int = typer.Option(14, "--days", help="how many days ahead"),
    fmt: str = typer.Option("table", "--format", "-f", help="table, md, json, html or ics"),
    output: str | None = typer.Option(None, "--output", "-o", help="write to a file"),
    today: str | None = typer.Option(None, "--today", help="report as of this date (ISO)"),
) -> None:
    """Follow-up events: what is coming, what moved, what was covered."""
    from datetime import date

    from ingest.report import FORMATS
    from workers.reporting import build

    if fmt not in FORMATS:
        raise UserError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    try:
        as_of = date.fromisoformat(today) if today else None
    except ValueError:
        raise UserError(f"--today wants a date like 2026-01-04, got {today!r}") from None
    text = build(ready_settings(), fmt, days, today=as_of)
    if output:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(text)
        console.print(f"written: {output}")
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
