"""Hostile or broken article pages through the real fetch and extract steps.

A one-item feed links to the page under test; the feed is polled, then the article is fetched
and extracted with ``workers.fetching.fetch`` and ``workers.extracting.extract``. Every page ends
``stored`` with the right text or ``failed`` with its reason in ``fail_reason``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from tests.support.hostile import (
    Pipeline,
    article_html,
    drip,
    fetch_transient,
    gzip_bomb,
)
from tests.support.server import Reply

pytestmark = pytest.mark.integration

MB = 1024 * 1024

UK = [
    "Київська міська державна адміністрація повідомила про зміну графіка руху громадського "
    "транспорту на вихідних.",
    "Через ремонт мосту тролейбуси курсуватимуть іншим маршрутом до кінця місяця, а на зупинках "
    "встановлять тимчасові вказівники для пасажирів.",
    "Перевізників зобов'язали повідомляти про затримки в застосунку міста.",
]
UK_TITLE = "У Києві змінюється рух тролейбусів"
RU = [
    "Городские власти сообщили об изменении расписания общественного транспорта в выходные.",
    "Из-за ремонта моста троллейбусы будут ходить по другому маршруту до конца месяца.",
]
RU_TITLE = "В городе меняется движение троллейбусов"

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)


def html_reply(body: str | bytes, content_type: str = "text/html; charset=utf-8") -> Reply:
    data = body.encode("utf-8") if isinstance(body, str) else body
    return Reply(200, {"Content-Type": content_type}, data)


def assert_article_failed(pipe: Pipeline, article_id: int, reason: str) -> str:
    art = pipe.article(article_id)
    assert art.status == "failed", (art.status, art.fail_reason)
    assert art.fail_reason is not None and art.fail_reason.startswith(reason), art.fail_reason
    assert art.lease_until is None and art.text is None
    return art.fail_reason


# --- not a page -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (PDF, "application/pdf"),
        (PNG, "image/png"),
        (PNG, "image/png; name=x.png"),
        (PDF, "application/octet-stream"),
    ],
)
def test_pdf_or_image_where_an_article_should_be(
    both: Pipeline, body: bytes, content_type: str
) -> None:
    both.server.routes["/page"] = Reply(200, {"Content-Type": content_type}, body)
    aid = both.page_article("/page")
    assert both.process(aid) is None
    media = content_type.split(";")[0]
    assert assert_article_failed(both, aid, "not_html: ") == f"not_html: {media}"
    art = both.article(aid)
    assert art.http_status == 200 and art.raw_html is None


@pytest.mark.parametrize("content_type", ["text/html", "text/plain", None])
def test_pdf_mislabelled_as_a_page(pipe: Pipeline, content_type: str | None) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    pipe.server.routes["/page"] = Reply(200, headers, PDF)
    aid = pipe.page_article("/page")
    result = pipe.process(aid)
    assert result is not None and result.status == "failed"
    assert_article_failed(pipe, aid, "extraction: not_html")


def test_page_without_text(pipe: Pipeline) -> None:
    page = (
        "<!doctype html><html><head><title>Gallery</title></head><body>"
        "<nav><a href='/'>Home</a> <a href='/news'>News</a></nav>"
        "<div class='gallery'><img src='/1.jpg'><img src='/2.jpg'></div>"
        "<script>var x = 'lots of script text that is no article at all';</script>"
        "</body></html>"
    )
    pipe.server.routes["/page"] = html_reply(page)
    aid = pipe.page_article("/page")
    result = pipe.process(aid)
    assert result is not None and result.status == "failed"
    reason = assert_article_failed(pipe, aid, "extraction: no_text")
    assert "no_text: no_text" not in reason


def test_empty_page(pipe: Pipeline) -> None:
    pipe.server.routes["/page"] = html_reply(b"")
    aid = pipe.page_article("/page")
    assert pipe.process(aid) is not None
    assert_article_failed(pipe, aid, "extraction: not_html")


# --- encodings ------------------------------------------------------------------------------


def test_windows_1251_page_declared_as_utf8(both: Pipeline) -> None:
    page = article_html(UK_TITLE, UK, charset="utf-8").encode("cp1251")
    both.server.routes["/page"] = html_reply(page, "text/html; charset=utf-8")
    aid = both.page_article("/page")
    result = both.process(aid)
    assert result is not None and result.status == "stored", both.article(aid).fail_reason
    art = both.article(aid)
    assert art.title == UK_TITLE
    assert art.text is not None and UK[1] in art.text and "\ufffd" not in art.text


def test_utf8_page_declared_as_windows_1251(pipe: Pipeline) -> None:
    page = article_html(RU_TITLE, RU, charset="windows-1251").encode("utf-8")
    pipe.server.routes["/page"] = html_reply(page, "text/html; charset=windows-1251")
    aid = pipe.page_article("/page")
    result = pipe.process(aid)
    assert result is not None and result.status == "stored", pipe.article(aid).fail_reason
    art = pipe.article(aid)
    assert art.title == RU_TITLE
    assert art.text is not None and RU[0] in art.text


# --- transport ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "reason"), [(404, "http_404"), (410, "http_410"), (403, "http_403")]
)
def test_page_gone_or_refused(pipe: Pipeline, status: int, reason: str) -> None:
    pipe.server.routes["/page"] = Reply(status, {"Content-Type": "text/html"}, b"<p>no</p>")
    aid = pipe.page_article("/page")
    assert pipe.process(aid) is None
    assert_article_failed(pipe, aid, f"{reason}: HTTP {status}")


def test_page_503_is_retried_then_failed(new_pipe: Callable[..., Pipeline]) -> None:
    pipe = new_pipe(max_attempts=3)
    pipe.server.routes["/page"] = Reply(503, {"Retry-After": "1"}, b"busy")
    aid = pipe.page_article("/page")
    for _ in range(2):
        err = fetch_transient(pipe.settings, aid)
        assert err is not None and err.reason == "http_503" and err.countdown == 1
        art = pipe.article(aid)
        assert art.status == "discovered" and art.lease_until is None
        time.sleep(1.1)  # the host's cool-down (Retry-After) must pass before the retry
    assert fetch_transient(pipe.settings, aid) is None
    assert_article_failed(pipe, aid, "http_503: ")
    assert pipe.server.hits("/page") == 3


def test_page_gzip_bomb(new_pipe: Callable[..., Pipeline]) -> None:
    pipe = new_pipe(fetch_max_bytes=MB)
    pipe.server.routes["/page"] = Reply(
        200, {"Content-Type": "text/html", "Content-Encoding": "gzip"}, gzip_bomb(128 * MB)
    )
    aid = pipe.page_article("/page")
    started = time.monotonic()
    assert pipe.process(aid) is None
    assert time.monotonic() - started < 5
    assert_article_failed(pipe, aid, "too_large: ")


def test_page_dripping_a_byte_a_second(new_pipe: Callable[..., Pipeline]) -> None:
    pipe = new_pipe(fetch_deadline=2, max_attempts=1)
    pipe.server.routes["/page"] = Reply(
        200, {"Content-Type": "text/html"}, drip(article_html(UK_TITLE, UK).encode())
    )
    aid = pipe.page_article("/page")
    started = time.monotonic()
    assert fetch_transient(pipe.settings, aid) is None  # last attempt: failed, not retried
    assert time.monotonic() - started < 2 + 3
    assert_article_failed(pipe, aid, "deadline: ")


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        ("file:///etc/passwd", "bad_scheme"),
        ("ftp://127.0.0.1/x", "bad_scheme"),
        ("javascript:alert(1)", "bad_url"),
    ],
)
def test_page_redirecting_to_a_non_http_target(pipe: Pipeline, target: str, reason: str) -> None:
    pipe.server.routes["/page"] = Reply(302, {"Location": target}, b"")
    aid = pipe.page_article("/page")
    assert pipe.process(aid) is None
    assert_article_failed(pipe, aid, f"{reason}: ")


def test_page_that_is_a_huge_wall_of_markup(new_pipe: Callable[..., Pipeline]) -> None:
    pipe = new_pipe(fetch_max_bytes=2 * MB)
    page = "<html><body>" + "<div>" * 100_000 + "x" + "</div>" * 100_000 + "</body></html>"
    pipe.server.routes["/page"] = html_reply(page)
    aid = pipe.page_article("/page")
    started = time.monotonic()
    pipe.process(aid)
    assert time.monotonic() - started < 60
    art = pipe.article(aid)
    assert art.status == "failed" and art.fail_reason and art.fail_reason.startswith("extraction")
