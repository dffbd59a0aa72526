"""The service's workers are built as Celery's own ``worker`` command builds them, without it."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import pytest

from workers import celery_worker
from workers.app import app
from workers.service import service_argvs, worker_argv
from workers.settings import Settings


class _Recorder:
    """Stands in for Celery's worker class: keeps what it is built with, starts nothing."""

    built: ClassVar[list[dict[str, Any]]] = []
    exitcode = 0

    def __init__(self, **options: Any) -> None:
        self.built.append(options)

    def start(self) -> None:
        pass


def _celery_command_options(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """What ``celery -A workers.app <argv>`` gives the worker class."""
    _Recorder.built = []
    monkeypatch.setattr(app, "Worker", _Recorder)
    app.worker_main(argv)
    (options,) = _Recorder.built
    return options


def _argvs(tmp_path: Path) -> dict[str, list[str]]:
    settings = Settings(_env_file=None, data_dir=tmp_path, log_level="DEBUG")  # type: ignore[call-arg]
    return {
        **{f"service {name}": argv for name, argv in service_argvs(settings, beat=True).items()},
        **{f"run --once {k}": v for k, v in service_argvs(settings, beat=False).items()},
        # `vistka worker` as docker-compose runs it: every queue, no hostname of its own.
        "vistka worker": worker_argv(settings, concurrency=3),
        "vistka worker --pool solo": worker_argv(settings, pool="solo", hostname="one@%h"),
    }


# What the command passes from its own defaults, the same as the worker reads from the app.
FROM_THE_APP = {
    "prefetch_multiplier": lambda: app.conf.worker_prefetch_multiplier,
    "schedule_filename": lambda: app.conf.beat_schedule_filename,
}


def test_every_service_worker_gets_the_options_celerys_command_gives_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, argv in _argvs(tmp_path).items():
        theirs = _celery_command_options(argv, monkeypatch)
        ours = celery_worker.worker_options(app, celery_worker.parse(argv))
        assert {k: theirs.get(k) for k in ours} == ours, name
        left = {k: v for k, v in theirs.items() if k not in ours and v not in (None, False)}
        assert left == {k: FROM_THE_APP[k]() for k in left}, name


def test_the_options_name_the_pool_queues_and_node(tmp_path: Path) -> None:
    argvs = _argvs(tmp_path)
    io = celery_worker.worker_options(app, celery_worker.parse(argvs["service io"]))
    extract = celery_worker.worker_options(app, celery_worker.parse(argvs["run --once extract"]))
    assert io["pool"].__name__ == "TaskPool" and io["pool"].__module__.endswith("thread")
    assert extract["pool"].__module__ == "workers.prefork"
    assert io["beat"] is True and "beat" not in extract
    assert extract["queues"] == ["extract", "reports"]
    assert io["hostname"].startswith("io@") and "%h" not in io["hostname"]
    assert io["loglevel"] == 10  # DEBUG


def test_the_worker_starts_and_returns_its_exit_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app, "Worker", _Recorder)
    _Recorder.built = []
    argv = _argvs(tmp_path)["run --once io"]
    assert celery_worker.start(argv) == 0
    assert _Recorder.built == [celery_worker.worker_options(app, celery_worker.parse(argv))]


def test_an_option_the_service_does_not_give_is_refused() -> None:
    with pytest.raises(SystemExit):
        celery_worker.parse(["worker", "--queues", "fetch", "--concurrency", "1", "--autoscale"])
