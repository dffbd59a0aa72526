"""Render the sample site (pages with the boilerplate real sites carry, and an RSS feed) and serve
it from a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import hashlib
import html
import threading
from datetime import datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from workers.demo.content import SampleArticle, sample_articles

SITE_NAME = "Агентство новин «Вістка»"


def render_page(base: str, art: SampleArticle, others: list[SampleArticle]) -> str:
    esc = html.escape
    body = "\n".join(f"<p>{esc(p)}</p>" for p in art.paragraphs[:2])
    body += (
        f'\n<p class="read-also">Читайте також: <a href="{base}/news/{others[0].slug}.html">'
        f"{esc(others[0].title)}</a></p>\n"
    )
    body += "\n".join(f"<p>{esc(p)}</p>" for p in art.paragraphs[2:])
    sidebar = "".join(
        f'<li><a href="{base}/news/{o.slug}.html">{esc(o.title)}</a></li>' for o in others[:4]
    )
    tags = " ".join(f'<a href="{base}/tag/{esc(t)}">{esc(t)}</a>' for t in art.tags)
    return f"""<!doctype html>
<html lang="uk"><head><meta charset="utf-8">
<title>{esc(art.title)} | {esc(SITE_NAME)}</title>
<link rel="canonical" href="{base}/news/{art.slug}.html">
<meta property="og:title" content="{esc(art.title)}">
<meta property="article:published_time" content="{art.published.isoformat()}">
</head><body>
<header><nav><a href="{base}/">Головна</a> <a href="{base}/politics">Політика</a>
<a href="{base}/economy">Економіка</a> <a href="{base}/regions">Регіони</a></nav></header>
<div class="breadcrumbs"><a href="{base}/">Головна</a> › Новини</div>
<main><article>
<h1>{esc(art.title)}</h1>
<time datetime="{art.published.isoformat()}">{art.published:%d.%m.%Y %H:%M}</time>
<div class="article-body">
{body}
</div>
<div class="tags">Теги: {tags}</div>
<div class="share">Поділитися: Facebook Telegram X</div>
<div class="subscribe">Підписуйтесь на наш Telegram-канал, щоб першими дізнаватися новини.</div>
</article></main>
<aside><h3>Останні новини</h3><ul>{sidebar}</ul></aside>
<footer>© {esc(SITE_NAME)}. Усі права захищені. Використання матеріалів дозволено лише з
посиланням на джерело.</footer>
</body></html>"""


def render_feed(base: str, articles: list[SampleArticle]) -> str:
    items = "\n".join(
        f"""<item><title>{html.escape(a.title)}</title>
<link>{base}/news/{a.slug}.html?utm_source=rss&amp;utm_medium=feed</link>
<guid isPermaLink="false">vistka-demo-{a.slug}</guid>
<pubDate>{format_datetime(a.published)}</pubDate>
<description>{html.escape(a.paragraphs[0])}</description></item>"""
        for a in articles
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel>
<title>{html.escape(SITE_NAME)}</title><link>{base}/</link><language>uk</language>
<description>Стрічка новин</description><ttl>15</ttl>
{items}
</channel></rss>"""


class SampleSite:
    """The sample site on 127.0.0.1 (a free port), answering 304 to a matching ETag."""

    def __init__(self, now: datetime) -> None:
        self.articles = sample_articles(now)
        self.pages: dict[str, tuple[bytes, str]] = {}
        self.requests: list[str] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                return

            def do_GET(self) -> None:
                site.requests.append(self.path)
                page = site.pages.get(self.path.split("?")[0])
                if page is None:
                    self.send_error(404)
                    return
                body, ctype = page
                etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("ETag", etag)
                self.end_headers()
                self.wfile.write(body)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self.feed_url = f"{self.base}/rss.xml"
        html_type = "text/html; charset=utf-8"
        for art in self.articles:
            others = [o for o in self.articles if o.slug != art.slug]
            self.pages[f"/news/{art.slug}.html"] = (
                render_page(self.base, art, others).encode(),
                html_type,
            )
        self.pages["/rss.xml"] = (
            render_feed(self.base, self.articles).encode(),
            "application/rss+xml; charset=utf-8",
        )
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def __enter__(self) -> SampleSite:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
