"""The pipeline benchmark's loopback news site: real pages, many copies, RSS feeds, 304s, latency.

``build`` turns the extraction benchmark's real pages (``corpus/extraction-benchmark``) into
``pages`` article pages spread over ``feeds`` RSS feeds. A source page is served under several
URLs; every copy gets its own body so that neither exact nor near-duplicate detection may fold
two copies into one story:

- every third word (token) of the body's visible text is replaced by a made-up word drawn for
  that copy (every three-word shingle, the unit of near-duplicate detection, then differs
  between copies, the lead as much as the rest, while the page keeps its size and markup);
- a marker paragraph of several sentences of made-up words opens the article;
- the page's canonical link and ``og:url`` point at the copy's own URL.

``serve`` (``python -m bench.site DIR``) serves a built site from memory on 127.0.0.1 in its
own process, with ETag/Last-Modified (feeds and pages answer 304 to a matching validator), an
optional latency before every answer, and ``/__stats`` / ``/__reset`` for the request counts.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import random
import re
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.sax.saxutils import escape

BASE = "{{BASE}}"
LAST_MODIFIED = "Mon, 05 Jan 2026 08:00:00 GMT"
MARKER_SENTENCES = 4
MARKER_WORDS = 12  # per sentence

_BODY = re.compile(r"<body\b", re.I)
# Segments whose text is not visible prose: left alone.
_SKIP = re.compile(
    r"(<script\b.*?</script\s*>|<style\b.*?</style\s*>|<noscript\b.*?</noscript\s*>"
    r"|<!--.*?-->|<[^>]*>)",
    re.I | re.S,
)
# Word tokens of visible text (any script, numbers too), not entity names (&amp;, &#8217;).
_WORD = re.compile(r"(?<![&#\w])\w+(?![\w;])")
_CANONICAL = re.compile(
    r"<link\b[^>]*\brel\s*=\s*[\"']?canonical\b[^>]*>"
    r"|<meta\b[^>]*\bproperty\s*=\s*[\"']?og:url\b[^>]*>",
    re.I,
)
_HEAD_END = re.compile(r"</head\s*>", re.I)
_TITLE = re.compile(r"<title[^>]*>(.*?)</title\s*>", re.I | re.S)
_CONSONANTS = "bdfgklmnprstvz"
_VOWELS = "aeiou"


@dataclass(frozen=True)
class Page:
    path: str
    source: str  # the corpus page it is a copy of
    copy: int
    title: str
    html: str  # with {{BASE}} for the site's address


@dataclass(frozen=True)
class Site:
    pages: list[Page]
    feeds: dict[str, list[Page]]  # feed path -> its items

    def html(self, base: str) -> list[str]:
        return [p.html.replace(BASE, base) for p in self.pages]


def _made_up(rng: random.Random) -> str:
    return "".join(rng.choice(_CONSONANTS) + rng.choice(_VOWELS) for _ in range(rng.randint(2, 4)))


def vary(html: str, rng: random.Random) -> str:
    """Replace every third word of the body's visible text by a made-up word."""
    start = m.start() if (m := _BODY.search(html)) else 0
    parts = _SKIP.split(html[start:])
    position = 0

    def swap(match: re.Match[str]) -> str:
        nonlocal position
        position += 1
        if position % 3:
            return match.group(0)
        word = _made_up(rng)
        return word.capitalize() if match.group(0)[:1].isupper() else word

    for i in range(0, len(parts), 2):  # even indices are text between tags
        parts[i] = _WORD.sub(swap, parts[i])
    return html[:start] + "".join(parts)


def marker(rng: random.Random, label: str) -> str:
    sentences = [
        " ".join(_made_up(rng) for _ in range(MARKER_WORDS)).capitalize() + "."
        for _ in range(MARKER_SENTENCES)
    ]
    return f"<p>{label} {' '.join(sentences)}</p>"


def _insert_marker(html: str, paragraph: str) -> str:
    """Put the marker before the longest paragraph of the page (the article's, almost always)."""
    best, best_len = None, 0
    for m in re.finditer(r"<p\b[^>]*>(.*?)</p\s*>", html, re.I | re.S):
        if len(m.group(1)) > best_len and "<script" not in m.group(1).lower():
            best, best_len = m, len(m.group(1))
    if best is None:
        return html
    return html[: best.start()] + paragraph + html[best.start() :]


def _own_url(html: str, url: str) -> str:
    html = _CANONICAL.sub("", html)
    link = f'<link rel="canonical" href="{url}">'
    m = _HEAD_END.search(html)
    return html[: m.start()] + link + html[m.start() :] if m else link + html


def load_sources(corpus: Path) -> list[tuple[str, str]]:
    """(id, html) of the extraction benchmark's pages, decoded."""
    from trafilatura.utils import decode_file

    out = []
    root = corpus / "extraction-benchmark"
    for line in (root / "gold.jsonl").read_text(encoding="utf-8").splitlines():
        gold = json.loads(line)
        out.append((gold["id"], decode_file(gzip.decompress((root / gold["page"]).read_bytes()))))
    return out


def build(sources: list[tuple[str, str]], pages: int, feeds: int, seed: int = 8) -> Site:
    """``pages`` copies of ``sources`` (round robin) in ``feeds`` feeds, ids assigned in turn."""
    out: list[Page] = []
    for n in range(pages):
        source, html = sources[n % len(sources)]
        copy = n // len(sources)
        rng = random.Random(f"{seed}:{n}")
        path = f"/news/{n % feeds:02d}/{source[:12]}-{copy}.html"
        title_m = _TITLE.search(html)
        title = " ".join((title_m.group(1) if title_m else "").split())[:200] or f"Article {n}"
        html = vary(html, rng)
        html = _insert_marker(html, marker(rng, f"Bench page {n}."))
        html = _own_url(html, BASE + path)
        out.append(Page(path, source, copy, title, html))
    feed_map: dict[str, list[Page]] = {f"/feeds/{f:02d}.xml": [] for f in range(feeds)}
    for n, page in enumerate(out):
        feed_map[f"/feeds/{n % feeds:02d}.xml"].append(page)
    return Site(out, feed_map)


def rss(path: str, items: list[Page]) -> str:
    start = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    entries = []
    for i, page in enumerate(items):
        url = BASE + page.path
        when = format_datetime(start - timedelta(minutes=7 * i))
        entries.append(
            f"<item><title>{escape(page.title)}</title><link>{url}</link>"
            f'<guid isPermaLink="true">{url}</guid><pubDate>{when}</pubDate>'
            f"<description>{escape(page.title)}</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        f"<title>Bench feed {path}</title><link>{BASE}/</link>"
        "<description>vistka pipeline benchmark</description><language>en</language>"
        + "".join(entries)
        + "</channel></rss>"
    )


def write(site: Site, out: Path) -> None:
    """The site as files under ``out`` (``routes.json``: URL path -> file, content type)."""
    routes: dict[str, list[str]] = {}
    for i, page in enumerate(site.pages):
        name = f"p{i:05d}.html"
        (out / name).write_text(page.html, encoding="utf-8")
        routes[page.path] = [name, "text/html; charset=utf-8"]
    for path, items in site.feeds.items():
        name = f"f{len(routes):05d}.xml"
        (out / name).write_text(rss(path, items), encoding="utf-8")
        routes[path] = [name, "application/rss+xml; charset=utf-8"]
    (out / "routes.json").write_text(json.dumps(routes), encoding="utf-8")


# --- serving --------------------------------------------------------------------------------


def serve(root: Path, latency: float, port: int = 0) -> None:
    """Serve the site built under ``root`` until killed; prints ``ready <base>`` once bound."""
    routes: dict[str, tuple[bytes, str, str]] = {}
    counts: Counter[str] = Counter()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            return

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/__stats":
                with lock:
                    self._send(
                        200, {"Content-Type": "application/json"}, json.dumps(counts).encode()
                    )
                return
            if path == "/__reset":
                with lock:
                    counts.clear()
                self._send(200, {}, b"")
                return
            if latency:
                time.sleep(latency)
            kind = "feed" if path.endswith(".xml") else "page" if path in routes else "other"
            route = routes.get(path)
            if route is None:
                status, headers, body = 404, {"Content-Type": "text/plain"}, b"not found"
            else:
                body, ctype, etag = route
                headers = {"ETag": etag, "Last-Modified": LAST_MODIFIED}
                if (
                    self.headers.get("If-None-Match") == etag
                    or self.headers.get("If-Modified-Since") == LAST_MODIFIED
                ):
                    status, body = 304, b""
                else:
                    status = 200
                    headers["Content-Type"] = ctype
            with lock:
                counts[f"{kind} {status}"] += 1
            self._send(status, headers, body)

        def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if body:
                self.wfile.write(body)

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 256

    httpd = Server(("127.0.0.1", port), Handler)
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    table = json.loads((root / "routes.json").read_text(encoding="utf-8"))
    for path, (name, ctype) in table.items():
        body = (root / name).read_text(encoding="utf-8").replace(BASE, base).encode("utf-8")
        routes[path] = (body, ctype, '"' + hashlib.sha1(body).hexdigest()[:16] + '"')
    print(f"ready {base}", flush=True)
    httpd.serve_forever()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="serve a built benchmark site")
    parser.add_argument("root", type=Path)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    serve(args.root, args.latency_ms / 1000.0, args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
