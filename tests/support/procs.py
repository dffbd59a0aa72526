"""Processes as Linux's /proc shows them: children, trees, command lines."""

from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path

from workers.queue_names import CPU_QUEUES, IO_QUEUES


def children() -> dict[int, list[int]]:
    """Every process's children, by parent id."""
    kids: dict[int, list[int]] = defaultdict(list)
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])  # the name in parentheses may hold spaces
        kids[ppid].append(int(entry))
    return kids


def tree(pid: int, kids: dict[int, list[int]]) -> list[int]:
    """``pid`` and all its descendants."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, ()))
    return out


def cmdline(pid: int) -> str:
    """The command line ``ps`` shows (empty once the process is gone)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    except OSError:
        return ""


def alive(pid: int) -> bool:
    """Running, not gone and not a zombie waiting for its parent."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def service_workers(command: int, kids: dict[int, list[int]] | None = None) -> dict[str, int]:
    """The two Celery workers ``vistka run`` (or ``run --once``) started, "io" and "extract",
    found by the queues on their command lines (Celery's process titles show them too)."""
    kids = children() if kids is None else kids
    found: dict[str, int] = {}
    for pid in kids.get(command, []):
        line = cmdline(pid)
        if f"--queues {','.join(IO_QUEUES)}" in line:
            found["io"] = pid
        elif f"--queues {','.join(CPU_QUEUES)}" in line:
            found["extract"] = pid
    return found
