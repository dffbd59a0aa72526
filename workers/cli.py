"""The ``vistka`` command: the service, its feeds, its articles, its reports.

Every error a user can cause is shown as one line (``error: …``) with exit code 1, not a traceback.
``vistka run`` is dispatched before the other commands are imported (their modules load
SQLAlchemy, Celery and the rest: 0.4 s), so that ``run --once`` forks its workers having loaded
only what they share with it.
"""

from __future__ import annotations

import gc
import sys

import typer

from workers.cli_common import UserError, err_console


def _invoke() -> object:
    """The command line's command: ``run`` from its own module (its help from the whole app,
    which lists it with the others), everything else from the whole app."""
    args = sys.argv[1:]
    if args[:1] == ["run"] and not {"--help", "-h"} & set(args):
        from workers.cli_run import run_app

        return run_app(args=args[1:], prog_name="vistka run", standalone_mode=False)
    from workers.cli_app import app

    return app(standalone_mode=False)


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
        code = _invoke()
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
