"""Where the fetcher may connect, enforced on the socket rather than on the URL.

Feed and article URLs come from strangers, and so do their redirects. Checking the URL string is
not enough: ``http://2130706433/``, ``http://localhost./`` or a name whose DNS answer changes
between check and use (rebinding) all reach internal services. So the check lives in the network
backend httpcore calls for every new TCP connection: resolve once, refuse the whole answer if any
address is not public (one bad apple spoils the lookup), then connect to the checked address
itself, never to the name again. Every redirect hop opens its connection through here too.

The same backend bounds every connect, read and write by the fetch's overall deadline, so a
server that drips one byte per second cannot hold a worker past it.

httpx 0.28 has no public way to choose a network backend, hence the small transport below that
owns an ``httpcore.ConnectionPool`` built with this backend.
"""

from __future__ import annotations

import contextlib
import functools
import ipaddress
import socket
import ssl
import time
from collections.abc import Iterable, Iterator, Sequence
from contextvars import ContextVar
from typing import Any

import httpcore
import httpx

from ingest.http_address import IPNetwork, Resolver, in_networks, is_public, system_resolver
from ingest.http_errors import BadURL, Blocked, Deadline, FetchError, Kind

# The name does not exist (a strike against the source), as opposed to DNS being unreachable.
_NO_SUCH_NAME = (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", socket.EAI_NONAME))

# Absolute time.monotonic() by which the current fetch must be over; set by the fetcher.
_DEADLINE: ContextVar[float | None] = ContextVar("vistka_fetch_deadline", default=None)


@contextlib.contextmanager
def deadline_scope(deadline: float) -> Iterator[None]:
    """Bound all network I/O of the enclosed code by ``deadline`` (a time.monotonic() value)."""
    token = _DEADLINE.set(deadline)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def _past_deadline() -> bool:
    deadline = _DEADLINE.get()
    return deadline is not None and time.monotonic() >= deadline - 0.01


def _bounded(timeout: float | None, expired: type[Exception]) -> float | None:
    deadline = _DEADLINE.get()
    if deadline is None:
        return timeout
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        # A zero socket timeout would mean non-blocking, not "no time left".
        raise expired("fetch deadline reached")
    return remaining if timeout is None else min(timeout, remaining)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _bounded(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _bounded(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        bounded = _bounded(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, bounded))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class GuardedBackend(httpcore.NetworkBackend):
    """httpcore network backend that connects only to permitted, already-checked addresses.

    An address is permitted when it is public or inside ``allowed_networks``. Public addresses
    must also use one of ``allowed_ports`` (empty: any port); allowed networks may use any port.
    """

    def __init__(
        self,
        allowed_networks: Sequence[IPNetwork] = (),
        allowed_ports: Sequence[int] = (),
        resolver: Resolver = system_resolver,
    ) -> None:
        self._allowed = tuple(allowed_networks)
        self._ports = frozenset(allowed_ports)
        self._resolver = resolver
        self._inner = httpcore.SyncBackend()

    def check(self, host: str, port: int) -> list[str]:
        """Resolve ``host`` once and return its addresses, or raise Blocked for the whole answer."""
        try:
            answers = list(self._resolver(host, port))
        except socket.gaierror as exc:
            kind: Kind = "soft" if exc.errno in _NO_SUCH_NAME else "temporary"
            raise FetchError(
                f"cannot resolve {host}: {exc.strerror or exc}", reason="dns_failed", kind=kind
            ) from exc
        except UnicodeError as exc:
            raise BadURL(f"invalid host name {host!r}") from exc
        if not answers:
            raise FetchError(f"no address for {host}", reason="dns_failed", kind="soft")
        for answer in answers:
            try:
                ip = ipaddress.ip_address(answer)
            except ValueError as exc:
                raise Blocked(f"{host} resolved to unusable address {answer!r}") from exc
            if in_networks(ip, self._allowed):
                continue
            where = f"address {ip}" if host == answer else f"{host} (resolves to {ip})"
            if not is_public(ip):
                raise Blocked(f"{where} is not a public address")
            if self._ports and port not in self._ports:
                raise Blocked(f"port {port} of {where} is not allowed", reason="blocked_port")
        return answers

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = self.check(host, port)
        last: Exception | None = None
        for address in addresses:
            bounded = _bounded(timeout, httpcore.ConnectTimeout)
            try:
                stream = self._inner.connect_tcp(
                    address, port, bounded, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
                continue
            return _DeadlineStream(stream)
        assert last is not None
        raise last

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        raise Blocked("unix sockets are never fetched")


@contextlib.contextmanager
def _fetch_errors(host: str) -> Iterator[None]:
    """httpcore's exceptions as FetchError; a timeout at the overall deadline becomes Deadline."""
    try:
        yield
    except FetchError:
        raise
    except httpcore.TimeoutException as exc:
        if _past_deadline():
            raise Deadline(f"deadline reached while talking to {host}") from exc
        raise FetchError(f"{type(exc).__name__} from {host}", reason="timeout") from exc
    except httpcore.ConnectError as exc:
        if isinstance(exc.__cause__, ssl.SSLError) or "SSL" in str(exc):
            raise FetchError(f"TLS failure with {host}: {exc}", reason="tls", kind="soft") from exc
        raise FetchError(f"cannot connect to {host}: {exc}", reason="connect_failed") from exc
    except httpcore.UnsupportedProtocol as exc:
        raise BadURL(str(exc), reason="bad_scheme") from exc
    except (httpcore.ReadError, httpcore.WriteError) as exc:
        raise FetchError(f"connection to {host} broke: {exc}", reason="read_failed") from exc
    except httpcore.ProtocolError as exc:
        raise FetchError(f"bad HTTP from {host}: {exc}", reason="protocol_error") from exc
    except httpcore.NetworkError as exc:
        raise FetchError(f"network error with {host}: {exc}", reason="connect_failed") from exc


class _ResponseStream(httpx.SyncByteStream):
    def __init__(self, inner: Iterable[bytes], host: str) -> None:
        self._inner = inner
        self._host = host

    def __iter__(self) -> Iterator[bytes]:
        with _fetch_errors(self._host):
            yield from self._inner

    def close(self) -> None:
        close = getattr(self._inner, "close", None)
        if close is not None:
            with _fetch_errors(self._host):
                close()


@functools.cache
def default_ssl_context() -> ssl.SSLContext:
    """One verifying context for every client of the process: building one (loading the CA
    bundle) takes about 12 ms of CPU, and a context may serve any number of connections."""
    return httpx.create_ssl_context(trust_env=False)


class GuardedTransport(httpx.BaseTransport):
    """An httpx transport over an httpcore pool whose every connection goes through the guard.

    Errors surface as FetchError, never as httpx or httpcore exceptions.
    """

    def __init__(self, backend: GuardedBackend, ssl_context: ssl.SSLContext | None = None) -> None:
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context or default_ssl_context(),
            max_connections=20,
            max_keepalive_connections=10,
            keepalive_expiry=5.0,
            http1=True,
            http2=False,
            retries=0,
            network_backend=backend,
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.SyncByteStream)
        req = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        host = request.url.host
        with _fetch_errors(host):
            resp = self._pool.handle_request(req)
        assert isinstance(resp.stream, Iterable)
        return httpx.Response(
            status_code=resp.status,
            headers=resp.headers,
            stream=_ResponseStream(resp.stream, host),
            extensions=resp.extensions,
        )

    def close(self) -> None:
        self._pool.close()
