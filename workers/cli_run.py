"""``vistka run``: the service, or one full pass (``--once``).

Imported without the rest of the command (see ``workers.cli``): ``run --once`` loads only what
it shares with its two workers, forks them (``service.spawn_once_workers``), and loads the rest
and checks the schema while they start.
"""

from __future__ import annotations

import time

import typer

from workers.cli_common import console, print_json, ready_settings
from workers.settings import get_settings

run_app = typer.Typer(
    name="vistka run",
    add_completion=False,
    pretty_exceptions_enable=False,
)


def run(
    once: bool = typer.Option(False, "--once", help="poll every feed once, finish, summarise"),
    timeout: float = typer.Option(900.0, "--timeout", help="--once: give up after this long"),
    as_json: bool = typer.Option(False, "--json", help="--once: print the summary as JSON"),
) -> None:
    """Run the service: network and extraction workers with beat (or one pass with --once)."""
    from workers.service import data_dir_lock, spawn_once_workers, stop_all, supervise

    if once:
        begun = time.monotonic()
        settings = get_settings()
        with data_dir_lock(settings):
            # Forked first: their start overlaps the schema check and the rest of the command.
            procs = spawn_once_workers(settings)
            try:
                ready_settings()
                from workers.once import run_once

                summary = run_once(
                    settings, procs, timeout=timeout, show_progress=not as_json, begun=begun
                )
            finally:
                stop_all(procs)
        _print_summary(summary.as_dict(), as_json)
        return
    settings = ready_settings()
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


run_app.command()(run)
