"""Checks made in a forked copy of the test process, so that what they change stays there."""

from __future__ import annotations

import gc
import os
from collections.abc import Callable
from contextlib import suppress


def exit_code_in_fork(child: Callable[[], int]) -> int:
    """The exit code of a forked process that runs ``child`` and exits with what it returns
    (or with whatever ``child`` itself exits with); it never returns to pytest."""
    pid = os.fork()
    if pid == 0:
        code = 99  # ``child`` raised
        try:
            code = child()
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def frozen_after(action: Callable[[], object]) -> bool:
    """In a forked process with nothing frozen: are objects kept from the collector after it?"""

    def child() -> int:
        gc.unfreeze()
        with suppress(SystemExit):
            action()
        return 0 if gc.get_freeze_count() else 1

    code = exit_code_in_fork(child)
    assert code in (0, 1), f"the action failed in the child (exit {code})"
    return code == 0
