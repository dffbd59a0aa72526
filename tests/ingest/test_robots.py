"""robots.txt rules on hand-written files."""

from __future__ import annotations

import pytest

from ingest.robots import Robots, robots_url

UA = "vistka/0.1 (+https://github.com/vistka/vistka)"

SITE = """\
# news site
User-agent: *
Disallow: /admin/
Disallow: /search
Allow: /search/about
Crawl-delay: 2

User-agent: vistka
Disallow: /private/
Allow: /private/press/
Disallow: /*.pdf$
Crawl-delay: 5

User-agent: github
Disallow: /

Sitemap: https://news.example/sitemap.xml
"""


@pytest.fixture
def robots() -> Robots:
    return Robots.parse(SITE)


def test_own_group_applies_instead_of_star(robots: Robots) -> None:
    assert robots.allowed("https://news.example/admin/", UA)  # only * forbids it
    assert not robots.allowed("https://news.example/private/report", UA)
    assert robots.allowed("https://news.example/private/press/2024", UA)
    assert not robots.allowed("https://news.example/files/report.pdf", UA)
    assert robots.allowed("https://news.example/files/report.pdf?page=2", UA)


def test_product_token_not_the_whole_user_agent_string(robots: Robots) -> None:
    # The full string contains "github"; that group must not capture us.
    assert robots.allowed("https://news.example/news/1", UA)


def test_other_agents_fall_back_to_star(robots: Robots) -> None:
    assert not robots.allowed("https://news.example/admin/", "otherbot/1.0")
    assert not robots.allowed("https://news.example/search?q=x", "otherbot/1.0")
    assert robots.allowed("https://news.example/search/about", "otherbot/1.0")


def test_crawl_delay_per_agent(robots: Robots) -> None:
    assert robots.crawl_delay(UA) == 5.0
    assert robots.crawl_delay("otherbot/1.0") == 2.0
    assert Robots.parse("User-agent: *\nDisallow:\n").crawl_delay(UA) is None


def test_sitemaps(robots: Robots) -> None:
    assert robots.sitemaps == ("https://news.example/sitemap.xml",)


def test_allow_all_and_disallow_all() -> None:
    assert Robots.allow_all().allowed("https://news.example/anything", UA)
    assert Robots.allow_all().crawl_delay(UA) is None
    assert not Robots.disallow_all().allowed("https://news.example/anything", UA)


def test_empty_and_garbage_files_allow_everything() -> None:
    assert Robots.parse("").allowed("https://news.example/x", UA)
    assert Robots.parse("<html><body>Not found</body></html>").allowed("https://n.example/x", UA)


def test_value_semantics() -> None:
    assert Robots.parse(SITE) == Robots.parse(SITE)
    assert Robots.parse(SITE) != Robots.allow_all()
    assert Robots.parse(SITE).text == SITE


def test_oversized_file_is_cut_at_500_kib() -> None:
    text = "User-agent: *\nDisallow: /a\n" + "#" * (600 * 1024) + "\nDisallow: /b\n"
    robots = Robots.parse(text)
    assert len(robots.text) == 500 * 1024
    assert not robots.allowed("https://n.example/a", UA)
    assert robots.allowed("https://n.example/b", UA)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://news.example/a/b?c=1#d", "https://news.example/robots.txt"),
        ("HTTP://News.Example:80/x", "http://news.example/robots.txt"),
        ("https://news.example:8443/x", "https://news.example:8443/robots.txt"),
        ("http://user:pw@news.example/x", "http://news.example/robots.txt"),
        ("http://[2001:db8::1]:8080/feed", "http://[2001:db8::1]:8080/robots.txt"),
    ],
)
def test_robots_url(url: str, expected: str) -> None:
    assert robots_url(url) == expected


@pytest.mark.parametrize("url", ["ftp://news.example/x", "/relative/path", "mailto:a@b.c"])
def test_robots_url_refuses_non_http(url: str) -> None:
    with pytest.raises(ValueError):
        robots_url(url)
