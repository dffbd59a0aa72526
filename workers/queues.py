"""How many messages wait in each queue, read from the broker itself (Redis or filesystem)."""

from __future__ import annotations

from pathlib import Path

from workers.queue_names import QUEUES
from workers.settings import Settings

# kombu's Redis transport keeps priority levels as extra lists named queue + sep + level.
PRIORITY_SEPARATOR = "\x06\x16"
PRIORITY_STEPS = (0, 3, 6, 9)


def queue_depths(settings: Settings) -> dict[str, int | None]:
    """Messages waiting per queue; None where the broker cannot be read."""
    if settings.embedded:
        return _filesystem_depths(settings.broker_dir / "queue")
    return _redis_depths(settings.broker)


def _filesystem_depths(folder: Path) -> dict[str, int | None]:
    names = [p.name for p in folder.iterdir()] if folder.is_dir() else []
    return {q: sum(n.endswith(f".{q}.msg") for n in names) for q in QUEUES}


def _redis_depths(url: str) -> dict[str, int | None]:
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3)
        out: dict[str, int | None] = {}
        for q in QUEUES:
            keys = [q] + [f"{q}{PRIORITY_SEPARATOR}{p}" for p in PRIORITY_STEPS if p]
            out[q] = sum(int(client.llen(k)) for k in keys)
        client.close()
        return out
    except redis.RedisError:
        return dict.fromkeys(QUEUES)
