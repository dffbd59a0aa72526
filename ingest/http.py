"""The one HTTP client: every feed, article and robots.txt request goes through ``Fetcher.get``.

One place decides what the service may touch and how much it may take: only http(s) URLs without
credentials, only public addresses checked at connect time (``ingest.http_guard``), a decoded-size
cap that holds against compression bombs (``ingest.http_body``), and one wall-clock deadline for
the whole fetch including redirects. Redirects are followed here, hop by hop, so each hop is
re-validated and a permanent move of the first hop can be reported to update a stored feed URL.
Proxy environment variables are ignored (``trust_env=False``) so they cannot reroute traffic.

Configuration arrives as a ``FetchPolicy`` value; nothing here reads the environment.
"""

from __future__ import annotations

import ipaddress
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType, TracebackType

import httpx

from ingest.http_address import Resolver, parse_networks, system_resolver
from ingest.http_body import ACCEPT_ENCODING, read_capped
from ingest.http_errors import (
    BadURL,
    Blocked,
    Deadline,
    FetchError,
    HTTPStatusError,
    Kind,
    TooLarge,
    TooManyRedirects,
    parse_retry_after,
    status_kind,
)
from ingest.http_guard import GuardedBackend, GuardedTransport, deadline_scope

__all__ = [
    "BadURL",
    "Blocked",
    "Deadline",
    "FetchError",
    "FetchPolicy",
    "Fetched",
    "Fetcher",
    "HTTPStatusError",
    "Kind",
    "TooLarge",
    "TooManyRedirects",
]

_SCHEMES = ("http", "https")
_HOST = re.compile(r"[a-z0-9_-]+(?:\.[a-z0-9_-]+)*\.?", re.IGNORECASE)
_REDIRECTS = (301, 302, 303, 307, 308)
_PERMANENT = (301, 308)
# Credentials meant for one origin must not follow a redirect to another.
_ORIGIN_BOUND = ("authorization", "cookie", "proxy-authorization")


@dataclass(frozen=True)
class FetchPolicy:
    user_agent: str = "vistka/0.1 (+https://github.com/vistka/vistka)"
    allowed_networks: tuple[str, ...] = ()  # CIDRs allowed although non-public ("127.0.0.0/8",)
    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    deadline: float = 30.0  # total wall time per fetch, redirects included
    max_bytes: int = 10 * 1024 * 1024  # cap on the DECODED body
    max_redirects: int = 5
    max_url_length: int = 2048
    allowed_ports: tuple[int, ...] = (80, 443)  # for public addresses; () = any port


@dataclass(frozen=True)
class Fetched:
    url: str  # final URL after redirects
    status: int  # 2xx or 304
    headers: Mapping[str, str]  # lower-cased names
    body: bytes  # decoded body; b"" for 304
    permanent_redirect: str | None  # target when the FIRST hop was a 301/308
    elapsed: float


def check_url(url: str, max_length: int) -> httpx.URL:
    """The parsed URL, or BadURL for anything the fetcher must not even try."""
    if len(url) > max_length:
        raise BadURL(f"URL longer than {max_length} characters ({len(url)})")
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise BadURL(f"unparseable URL: {exc}") from exc
    if parsed.scheme not in _SCHEMES:
        raise BadURL(f"scheme {parsed.scheme or '(none)'!r} is not fetched", reason="bad_scheme")
    if parsed.userinfo:
        raise BadURL("URL carries credentials (user:password@)")
    host = parsed.raw_host.decode("ascii", "replace")
    if not host:
        raise BadURL("URL has no host")
    if not (_HOST.fullmatch(host) or _is_ipv6(host)):
        raise BadURL(f"invalid host {host!r}")
    if parsed.port is not None and not 0 < parsed.port < 65536:
        raise BadURL(f"invalid port {parsed.port}")
    return parsed


def _is_ipv6(host: str) -> bool:
    try:
        return isinstance(ipaddress.ip_address(host), ipaddress.IPv6Address)
    except ValueError:
        return False


class Fetcher:
    """A reusable client (keeps connections alive). Not for concurrent use from several threads."""

    def __init__(self, policy: FetchPolicy, *, resolver: Resolver = system_resolver) -> None:
        """``resolver`` stands in for getaddrinfo (tests, a cache); its answers are checked too."""
        self.policy = policy
        backend = GuardedBackend(
            parse_networks(policy.allowed_networks), policy.allowed_ports, resolver
        )
        self._client = httpx.Client(
            transport=GuardedTransport(backend),
            trust_env=False,
            follow_redirects=False,
            timeout=httpx.Timeout(
                connect=policy.connect_timeout,
                read=policy.read_timeout,
                write=policy.read_timeout,
                pool=policy.connect_timeout,
            ),
        )

    def get(self, url: str, headers: Mapping[str, str] | None = None) -> Fetched:
        """GET ``url`` following redirects; 2xx and 304 come back, everything else raises.

        ``headers`` (conditional GET validators, Accept...) go with every hop; Accept-Encoding is
        always ours, because the body decoder only handles what we announce.
        """
        started = time.monotonic()
        with deadline_scope(started + self.policy.deadline):
            try:
                return self._get(url, headers or {}, started)
            except httpx.HTTPError as exc:  # the transport maps its own; this is a backstop
                raise FetchError(f"{type(exc).__name__}: {exc}", reason="protocol_error") from exc
            except httpx.InvalidURL as exc:  # a Location httpx cannot parse (javascript:...)
                raise BadURL(f"unusable redirect target: {exc}") from exc

    def _get(self, url: str, extra: Mapping[str, str], started: float) -> Fetched:
        policy = self.policy
        current = check_url(url, policy.max_url_length)
        request_headers = {"user-agent": policy.user_agent, "accept": "*/*"}
        request_headers.update({k.lower(): v for k, v in extra.items()})
        request_headers["accept-encoding"] = ACCEPT_ENCODING
        permanent: str | None = None
        cookies = httpx.Cookies()
        for hop in range(policy.max_redirects + 1):
            self._client.cookies = cookies
            request = self._client.build_request("GET", current, headers=request_headers)
            response = self._client.send(request, stream=True)
            try:
                status = response.status_code
                if status in _REDIRECTS and "location" in response.headers:
                    target = self._redirect_target(current, response.headers["location"])
                    if hop == 0 and status in _PERMANENT:
                        permanent = str(target)
                    if (target.scheme, target.host, target.port) != (
                        current.scheme,
                        current.host,
                        current.port,
                    ):
                        request_headers = {
                            k: v for k, v in request_headers.items() if k not in _ORIGIN_BOUND
                        }
                    cookies = self._client.cookies
                    current = target
                    continue
                if status != 304 and not 200 <= status < 300:
                    raise self._status_error(response)
                body = b""
                if status != 304:
                    body = self._read_body(response, started)
                return Fetched(
                    url=str(current),
                    status=status,
                    headers=MappingProxyType({k.lower(): v for k, v in response.headers.items()}),
                    body=body,
                    permanent_redirect=permanent,
                    elapsed=time.monotonic() - started,
                )
            finally:
                response.close()
        raise TooManyRedirects(f"more than {policy.max_redirects} redirects starting at {url}")

    def _redirect_target(self, current: httpx.URL, location: str) -> httpx.URL:
        try:
            joined = current.join(location.strip())
        except (httpx.InvalidURL, TypeError, ValueError) as exc:
            raise BadURL(f"unparseable redirect target {location!r}: {exc}") from exc
        return check_url(str(joined.copy_with(fragment=None)), self.policy.max_url_length)

    def _read_body(self, response: httpx.Response, started: float) -> bytes:
        policy = self.policy
        declared = response.headers.get("content-length")
        if declared is not None and declared.strip().isdigit() and int(declared) > policy.max_bytes:
            raise TooLarge(f"Content-Length {declared} exceeds {policy.max_bytes} bytes")

        def check_deadline() -> None:
            if time.monotonic() - started > policy.deadline:
                raise Deadline(f"deadline of {policy.deadline:g}s reached reading {response.url}")

        return read_capped(
            response.iter_raw(),
            response.headers.get("content-encoding", ""),
            policy.max_bytes,
            check_deadline,
        )

    @staticmethod
    def _status_error(response: httpx.Response) -> HTTPStatusError:
        status = response.status_code
        phrase = response.reason_phrase or ""
        return HTTPStatusError(
            f"HTTP {status} {phrase} from {response.url}".replace("  ", " "),
            reason=f"http_{status}",
            kind=status_kind(status),
            status=status,
            retry_after=parse_retry_after(response.headers.get("retry-after")),
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
