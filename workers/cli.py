"""The ``vistka`` command: the service, its feeds, its articles, its reports.

Every error a user can cause is shown as one line (``error: …``) with exit code 1, not a traceback.
"""

from __future__ import annotations

import gc
import sys

import typer

from storage import migrate
from workers.cli_articles import articles_app, stats
from workers.cli_common import UserError, console, err_console, print_json, ready_settings
from workers.cli_feeds import feeds_app
from workers.cli_ops import explain, feeds_health, flower, heartbeat
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


@app.command("run")
def run(
    once: bool = typer.Option(False, "--once", help="poll every feed once, finish, summarise"),
    timeout: float = typer.Option(900.0, "--timeout", help="--once: give up after this long"),
    as_json: bool = typer.Option(False, "--json", help="--once: print the summary as JSON"),
) -> None:
    """Run the service: network and extraction workers with beat (or one pass with --once)."""
    from workers.service import data_dir_lock, supervise

    settings = ready_settings()
    if once:
        from workers.once import run_once

        with data_dir_lock(settings):
            summary = run_once(settings, timeout=timeout, show_progress=not as_json)
        _print_summary(summary.as_dict(), as_json)
        return
    with data_dir_lock(settings):
        console.print(
            f"vistka: database {settings.shown()['database (effective)']}, "
            f"broker {settings.shown()['broker (effective)']}; "
            f"{settings.io_concurrency} network threads, {settings.concurrency} extraction "
            "processes"
        )
        raise typer.Exit(supervise(settings))


def _print_summary(summary: dict[str, object], as_json: bool) -> None:
    if as_json:
        print_json(summary)
        return
    console.print(
        f"feeds polled: {summary['feeds_polled']}  discovered: {summary['discovered']}  "
        f"stored: {summary['stored']}  pending: {summary['pending']}  "
        f"({summary['seconds']} s)"
    )
    dups = summary["duplicates"] or {}
    failed = summary["failed"] or {}
    console.print("duplicates: " + (", ".join(f"{k}={v}" for k, v in dups.items()) or "none"))  # type: ignore[attr-defined]
    console.print("failed: " + (", ".join(f"{k}={v}" for k, v in failed.items()) or "none"))  # type: ignore[attr-defined]
    for url, error in (summary["feeds_failed"] or {}).items():  # type: ignore[attr-defined]
        console.print(f"feed failed: {url}: {error}", markup=False)


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
    from workers.app import app as celery_app
    from workers.service import worker_argv

    settings = get_settings()
    celery_app.worker_main(
        worker_argv(
            settings,
            queues=queues.split(","),
            concurrency=concurrency,
            pool=pool,
            beat=beat,
            hostname=hostname,
        )
    )


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


def main() -> None:
    """Entry point: run the CLI, turning known failures into one clear line."""
    try:
        _run()
    finally:
        # The interpreter's last collections walk every object of Celery, SQLAlchemy and the
        # rest before exit, about 0.15 s of every command; frozen, they are skipped. Nothing
        # left to collect then holds anything but memory, which the exit returns.
        gc.freeze()


def _run() -> None:
    try:
        from workers.logs import configure

        configure(level="WARNING")  # commands print their results; logs are for problems
        code = app(standalone_mode=False)
        sys.exit(code if isinstance(code, int) else 0)
    except UserError as err:
        err_console.print(f"error: {err}", markup=False)
        sys.exit(1)
    except (typer.Abort, KeyboardInterrupt):
        sys.exit(130)
    except typer.Exit as ex:
        sys.exit(ex.exit_code)
    except Exception as err:
        import click

        if isinstance(err, click.ClickException):
            err.show()
            sys.exit(err.exit_code)
        first = (str(err).strip().splitlines() or [""])[0][:300]
        err_console.print(f"error: {type(err).__name__}: {first}", markup=False)
        sys.exit(1)


if __name__ == "__main__":
    main()
