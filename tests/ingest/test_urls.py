"""canonical_url / url_key / host_of / is_http_url."""

from __future__ import annotations

import hashlib

import pytest

from ingest.urls import BadURL, canonical_url, host_of, is_http_url, url_key


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://news.example.ua/a?utm_source=tg&utm_medium=social&id=5",
            "https://news.example.ua/a?id=5",
        ),
        (
            "https://news.example.ua/a?fbclid=IwAR0x&gclid=1&yclid=2&mc_cid=3&mc_eid=4&_ga=5",
            "https://news.example.ua/a",
        ),
        ("https://news.example.ua/a?UTM_Campaign=x&b=2&a=1", "https://news.example.ua/a?a=1&b=2"),
        ("HTTPS://News.Example.UA/Path/Case.html", "https://news.example.ua/Path/Case.html"),
        ("https://news.example.ua/a#comments", "https://news.example.ua/a"),
        ("http://news.example.ua:80/a", "http://news.example.ua/a"),
        ("https://news.example.ua:443/a", "https://news.example.ua/a"),
        ("https://news.example.ua:8443/a", "https://news.example.ua:8443/a"),
        ("https://news.example.ua", "https://news.example.ua/"),
        ("https://news.example.ua./a/./b/../c", "https://news.example.ua/a/c"),
        (
            "https://Пример.РФ/новини/",
            "https://xn--e1afmkfd.xn--p1ai/%D0%BD%D0%BE%D0%B2%D0%B8%D0%BD%D0%B8/",
        ),
        ("https://n.example.ua/%7Eed/%e2%82%ac", "https://n.example.ua/~ed/%E2%82%AC"),
        ("https://n.example.ua/?q=Київ", "https://n.example.ua/?q=%D0%9A%D0%B8%D1%97%D0%B2"),
        ("https://n.example.ua/a?cid=42", "https://n.example.ua/a?cid=42"),
        ("  https://n.example.ua/a\n/b ", "https://n.example.ua/a/b"),
        ("http://[2001:DB8::1]:80/x", "http://[2001:db8::1]/x"),
    ],
)
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


def test_canonical_url_is_idempotent() -> None:
    once = canonical_url("HTTPS://Київ.Example:443/Новини?b=1&utm_term=x&a=%7e#top")
    assert canonical_url(once) == once


@pytest.mark.parametrize(
    ("relative", "expected"),
    [
        ("story.html", "https://n.example.ua/news/story.html"),
        ("../about", "https://n.example.ua/about"),
        ("/uk/x?utm_source=rss", "https://n.example.ua/uk/x"),
        ("//cdn.example.ua/y", "https://cdn.example.ua/y"),
        ("https://other.example/z", "https://other.example/z"),
    ],
)
def test_relative_resolution(relative: str, expected: str) -> None:
    assert canonical_url(relative, base="https://n.example.ua/news/index.html") == expected


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "file:///etc/passwd",
        "ftp://files.example.ua/a",
        "mailto:editor@example.ua",
        "data:text/html,hi",
        "/relative/only",
        "https://user:secret@n.example.ua/",
        "https://n.example.ua:99999/",
        "http:///no-host",
        "https://bad host.example/",
        "https://n.example.ua/" + "a" * 2048,
        "",
    ],
)
def test_not_http(url: str) -> None:
    assert not is_http_url(url)
    with pytest.raises(BadURL):
        canonical_url(url)
    with pytest.raises(ValueError):  # BadURL is a ValueError
        url_key(url)


def test_is_http_url_accepts_ordinary_links() -> None:
    assert is_http_url("https://n.example.ua/a?b=1")
    assert is_http_url("http://127.0.0.1:8765/feed.xml")
    assert is_http_url("https://n.example.ua/" + "a" * 2000)


def test_url_key_is_sha256_of_canonical_form() -> None:
    variants = [
        "https://n.example.ua/news/1?utm_source=fb&fbclid=abc",
        "HTTPS://N.EXAMPLE.UA:443/news/1#top",
        "https://n.example.ua/news/1",
    ]
    keys = {url_key(v) for v in variants}
    assert keys == {hashlib.sha256(b"https://n.example.ua/news/1").hexdigest()}
    assert url_key("https://n.example.ua/news/2") not in keys
    assert url_key("https://n.example.ua/News/1") not in keys  # path case is kept


def test_host_of() -> None:
    assert host_of("https://WWW.пример.рф:8080/x") == "www.xn--e1afmkfd.xn--p1ai"
    assert host_of("http://[::1]:8000/") == "::1"
    with pytest.raises(BadURL):
        host_of("ftp://n.example.ua/")
