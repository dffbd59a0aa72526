"""Checks made in a forked copy of the test process, so that what they change stays there."""

from __future__ import annotations

import gc
import os
from collections.abc import Callable
from contextlib import suppress


def frozen_after(action: Callable[[], object]) -> bool:
    """In a forked process with nothing frozen: are objects kept from the collector after it?"""
    pid = os.fork()
    if pid == 0:  # the child: never returns to pytest
        code = 3
        try:
            gc.unfreeze()
            with suppress(SystemExit):
                action()
            code = 0 if gc.get_freeze_count() else 1
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    assert code in (0, 1), f"the action failed in the child (exit {code})"
    return code == 0
