"""The network worker runs tasks in threads: each thread gets its own HTTP client (a client keeps
per-fetch state, the cookies of a redirect chain), reused by that thread's later tasks."""

from __future__ import annotations

import threading
from pathlib import Path

from workers.http_client import fetcher_for
from workers.settings import Settings


def test_one_client_per_thread_reused_within_the_thread(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path)  # type: ignore[call-arg]
    mine = fetcher_for(settings)
    assert fetcher_for(settings) is mine
    pairs: list[tuple[object, object]] = []
    threads = [
        threading.Thread(
            target=lambda: pairs.append((fetcher_for(settings), fetcher_for(settings)))
        )
        for _ in range(3)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(first is second for first, second in pairs)  # reused within a thread
    assert len({id(first) for first, _ in pairs}) == 3  # one per thread
    assert all(first is not mine for first, _ in pairs)
