"""Fixtures shared by the whole suite: the shared corpus directory and a loopback HTTP server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.server import LoopbackServer

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def shared_dir() -> Path:
    """The material beside the project (corpus, eval set); VISTKA_SHARED_DIR overrides."""
    return Path(os.environ.get("VISTKA_SHARED_DIR", PROJECT_ROOT.parent / "shared")).resolve()


def require_shared(*parts: str) -> Path:
    """Path inside the shared material, or skip: those tests read public corpora kept outside."""
    path = shared_dir().joinpath(*parts)
    if not path.exists():
        pytest.skip(
            f"{path} is absent: this test reads the shared corpus kept beside the project "
            "(set VISTKA_SHARED_DIR to its location to run it)"
        )
    return path


@pytest.fixture(scope="session", autouse=True)
def own_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """What the service builds for the machine (the gazetteer) goes to one directory of this
    run, shared by its workers, instead of the user's own cache."""
    before = os.environ.get("VISTKA_CACHE_DIR")
    os.environ["VISTKA_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if before is None:
        os.environ.pop("VISTKA_CACHE_DIR", None)
    else:
        os.environ["VISTKA_CACHE_DIR"] = before


@pytest.fixture
def http_server() -> Iterator[LoopbackServer]:
    server = LoopbackServer().start()
    try:
        yield server
    finally:
        server.stop()
