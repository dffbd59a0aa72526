"""The shared corpus's loopback news site, served for real, with ETag/Last-Modified and 304s."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from tests.support.server import LoopbackServer, Reply, Request

LAST_MODIFIED = "Sat, 03 Jan 2026 12:00:00 GMT"


def serve_site(server: LoopbackServer, site_dir: Path) -> dict[str, Any]:
    """Route every manifest path; returns the manifest. Feeds answer 304 to a matching ETag."""
    manifest: dict[str, Any] = json.loads((site_dir / "manifest.json").read_text("utf-8"))
    for path, file in manifest["routes"].items():
        body = (site_dir / file).read_text("utf-8").replace("{{BASE}}", server.base).encode()
        ctype = (
            "application/rss+xml; charset=utf-8"
            if path.endswith(".xml")
            else "text/html; charset=utf-8"
        )
        server.routes[path] = conditional(body, ctype)
    return manifest


def conditional(body: bytes, content_type: str) -> Any:
    etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'

    def handle(req: Request) -> Reply:
        headers = {"Content-Type": content_type, "ETag": etag, "Last-Modified": LAST_MODIFIED}
        if (
            req.headers.get("if-none-match") == etag
            or req.headers.get("if-modified-since") == LAST_MODIFIED
        ):
            return Reply(304, {"ETag": etag, "Last-Modified": LAST_MODIFIED}, b"")
        return Reply(200, headers, body)

    return handle
