"""Reading a response body under a cap on its decoded size.

The cap must hold for what we end up holding in memory, not for what crossed the wire: a few
hundred kilobytes of gzip can inflate to gigabytes. httpx's own decoders inflate each network
chunk completely before anyone can count it, so the raw bytes are inflated here with
``zlib.decompressobj(...).decompress(data, max_length)``, which never produces more than asked.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable

from ingest.http_errors import FetchError, TooLarge

SUPPORTED_ENCODINGS = ("gzip", "deflate")
ACCEPT_ENCODING = ", ".join(SUPPORTED_ENCODINGS)

_IDENTITY = ("", "identity")


class _Inflater:
    """gzip or deflate, where "deflate" may be zlib-wrapped (RFC 9110) or raw (a common mistake)."""

    def __init__(self, encoding: str) -> None:
        self._gzip = encoding in ("gzip", "x-gzip")
        self._obj: zlib._Decompress | None = self._new(wrapped=True) if self._gzip else None
        self._head = b""
        self._members = 0
        self._pending = b""
        self._fed = False

    def _new(self, wrapped: bool) -> zlib._Decompress:
        if self._gzip:
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        return zlib.decompressobj(zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)

    def feed(self, data: bytes, room: int) -> bytes:
        """At most ``room`` (>= 1) bytes of output; input not yet used is kept for ``pending``."""
        if self._obj is None:
            # Two bytes tell a zlib header (RFC 1950: CM 8, check bits) from raw deflate.
            self._head += data
            self._pending = b""
            if len(self._head) < 2:
                return b""
            cmf, flg = self._head[0], self._head[1]
            self._obj = self._new(wrapped=cmf & 0x0F == 8 and (cmf << 8 | flg) % 31 == 0)
            data, self._head = self._head, b""
        try:
            out = self._obj.decompress(data, room)
        except zlib.error:
            if self._members:
                # Junk after a complete gzip member (padding, say) is ignored, as gzip(1) does.
                self._pending = b""
                return b""
            if self._gzip or self._fed:
                raise
            # Raw deflate whose first bytes happen to look like a zlib header.
            self._obj = self._new(wrapped=False)
            out = self._obj.decompress(data, room)
        self._fed = True
        self._pending = self._obj.unconsumed_tail
        if self._obj.eof:
            self._members += 1
            # Concatenated gzip members form one valid gzip stream.
            self._pending = self._obj.unused_data if self._gzip else b""
            if self._pending:
                self._obj = self._new(wrapped=True)
        return out

    def pending(self) -> bytes:
        return self._pending

    def flush(self) -> bytes:
        return b"" if self._obj is None else self._obj.flush()


def read_capped(
    chunks: Iterable[bytes],
    content_encoding: str,
    max_bytes: int,
    on_chunk: Callable[[], None],
) -> bytes:
    """Join and decode ``chunks``; TooLarge as soon as the decoded size passes ``max_bytes``.

    ``on_chunk`` runs after every network chunk (the caller's deadline check).
    """
    encodings = [e.strip().lower() for e in content_encoding.split(",")]
    encodings = [e for e in encodings if e not in _IDENTITY]
    if any(e not in SUPPORTED_ENCODINGS and e != "x-gzip" for e in encodings):
        raise FetchError(
            f"unsupported Content-Encoding {content_encoding!r}", reason="bad_encoding", kind="soft"
        )
    if len(encodings) > 1:
        raise FetchError(
            f"stacked Content-Encoding {content_encoding!r}", reason="bad_encoding", kind="soft"
        )
    inflater = _Inflater(encodings[0]) if encodings else None
    body = bytearray()

    def add(piece: bytes) -> None:
        body.extend(piece)
        if len(body) > max_bytes:
            raise TooLarge(f"body exceeds {max_bytes} bytes once decoded")

    try:
        for chunk in chunks:
            if inflater is None:
                add(chunk)
            else:
                data = chunk
                while data:
                    add(inflater.feed(data, max_bytes - len(body) + 1))
                    data = inflater.pending()
            on_chunk()
        if inflater is not None:
            add(inflater.flush())
    except zlib.error as exc:
        raise FetchError(
            f"corrupt {content_encoding} body: {exc}", reason="bad_encoding", kind="soft"
        ) from exc
    return bytes(body)
