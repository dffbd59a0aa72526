"""The service's queues, by name: importable without Celery (``run --once`` starts its workers
before it loads anything heavy)."""

from __future__ import annotations

# Network-bound steps run in threads, so waiting on slow servers never takes a CPU process;
# CPU-bound extraction runs in one process per core. Compose splits them the same way.
IO_QUEUES = ("control", "feeds", "fetch")
CPU_QUEUES = ("extract", "reports")
QUEUES = (*IO_QUEUES, *CPU_QUEUES)
