"""The embedded broker: kombu's filesystem transport, with every message written whole.

kombu writes a message by creating its file in the queue folder, then serialising the message
and writing it there. A consumer that lists the folder in between takes the empty file, fails to
decode it, and its worker stops with "Unrecoverable error: JSONDecodeError" (kombu issue 1551);
under ``vistka run`` the other worker is then stopped too. The larger the message, the wider the
gap: with 300 KB messages most reads failed. Here a message is written under a name no queue
reads, then renamed into place, which the folder's readers see at once and whole.
"""

from __future__ import annotations

import os
import uuid
from contextlib import suppress
from time import monotonic
from typing import Any

from kombu import transport
from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps

SCHEME = "filesystem"


class Channel(filesystem.Channel):
    def _put(self, queue: str, message: Any, **kwargs: Any) -> None:  # type: ignore[override]
        """Put ``message`` onto ``queue``: written aside, then renamed to kombu's name for it
        (the time in milliseconds first, which keeps the queue in order to the millisecond)."""
        data = str_to_bytes(dumps(message))
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        # Its part after the first dot is no "<queue>.msg", so no reader takes it.
        partial = os.path.join(self.data_folder_out, f"{uuid.uuid4()}.partial")
        try:
            with open(partial, "wb") as f:
                f.write(data)
            os.replace(partial, final)
        except OSError as exc:
            with suppress(OSError):
                os.unlink(partial)
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel


def register() -> None:
    """Make ``filesystem://`` URLs use this transport in this process (before any connection:
    kombu caches the class it resolves for a scheme)."""
    transport.TRANSPORT_ALIASES[SCHEME] = f"{__name__}:Transport"
    transport._transport_cache.pop(SCHEME, None)
