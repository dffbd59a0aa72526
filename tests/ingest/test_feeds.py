"""parse_feed: our own RSS 2.0 / Atom / RSS 1.0 / JSON Feed fixtures, hostile bodies, corpora."""

from __future__ import annotations

import gzip
import json
import pickle
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ingest.feeds import MAX_ENTRIES, FeedEntry, NotAFeed, ParsedFeed, parse_feed
from tests.conftest import require_shared

FIXTURES = Path(__file__).parent / "fixtures" / "feeds"
CYRILLIC = re.compile(r"[а-яіїєґё]", re.I)


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def rss(title: str, items: str = "", encoding: str = "utf-8") -> str:
    return (
        f'<?xml version="1.0" encoding="{encoding}"?>\n<rss version="2.0"><channel>'
        f"<title>{title}</title><link>https://news.example.ua/</link>{items}</channel></rss>"
    )


def test_rss2_ukrainian_fields() -> None:
    feed = parse_feed(fixture("rss2_uk.xml"), "https://vesti.example.ua/uk/rss.xml")
    assert feed.title == "Вісті Полтавщини"
    assert feed.language == "uk-ua"
    assert feed.site_url == "https://vesti.example.ua/uk/"
    assert feed.problem is None
    first, second, third = feed.entries
    assert first.guid == "poltava-news-1042"
    assert first.url == "https://vesti.example.ua/uk/news/2025/03/mist.html?utm_source=rss"
    assert first.summary == "Міст завдовжки 120 метрів. Рух відкрито з понеділка."
    assert first.published_at == datetime(2025, 3, 3, 8, 15, tzinfo=UTC)
    assert first.author == "Оксана Коваленко"
    assert first.tags == ("Інфраструктура", "Полтава")
    assert second.title == 'Фестиваль "Сорочинський ярмарок" перенесли на вересень'
    assert second.summary == "Організатори повідомили про нові дати."
    assert second.published_at == datetime(2025, 3, 2, 23, 30, tzinfo=UTC)
    assert (third.url, third.guid, third.published_at) == (None, None, None)


def test_ttl_is_the_longest_of_ttl_and_sy_update_period() -> None:
    feed = parse_feed(fixture("rss2_uk.xml"), "https://vesti.example.ua/uk/rss.xml")
    assert feed.ttl == timedelta(hours=12)  # daily / 2 beats <ttl>60</ttl>
    only_ttl = rss("t", "<ttl>45</ttl>").encode()
    assert parse_feed(only_ttl, "https://news.example.ua/rss").ttl == timedelta(minutes=45)
    assert parse_feed(rss("t", "<ttl>-3</ttl>").encode(), "https://n.example/").ttl is None


def test_atom_russian_relative_links_and_zones() -> None:
    feed = parse_feed(fixture("atom_ru.xml"), "https://gazeta.example.ru/atom.xml")
    assert (feed.title, feed.language, feed.site_url) == (
        "Утренняя газета",
        "ru",
        "https://gazeta.example.ru/",
    )
    repairs, weather = feed.entries
    assert repairs.url == "https://gazeta.example.ru/articles/remont-dorog"
    assert repairs.title == "Мэрия утвердила план ремонта дорог"
    assert repairs.summary == "Ремонт начнётся в апреле. Работы продлятся до осени."
    assert repairs.published_at == datetime(2025, 3, 4, 5, 30, tzinfo=UTC)
    assert repairs.tags == ("Город", "Транспорт")
    assert weather.url is None  # javascript: is no article link
    assert weather.summary == "Ожидается снег & гололёд."
    assert weather.published_at == datetime(2025, 3, 3, 18, 0, tzinfo=UTC)


def test_rss1_english() -> None:
    feed = parse_feed(fixture("rss1_en.rdf"), "https://harbour.example.com/rss")
    assert feed.ttl == timedelta(minutes=15)
    assert feed.language == "en-gb"
    (entry,) = feed.entries
    assert entry.published_at == datetime(2025, 3, 5, 12, 0, tzinfo=UTC)
    assert entry.tags == ("Transport",)
    assert entry.author == "J. Smith"
    assert "&" in (entry.summary or "") and "&amp;" not in (entry.summary or "")


def test_relative_links_resolve_against_feed_url_without_xml_base() -> None:
    items = "<item><title>a</title><link>../stories/7</link><guid>7</guid></item>"
    feed = parse_feed(rss("t", items).encode(), "https://news.example.ua/feeds/main/rss")
    assert feed.entries[0].url == "https://news.example.ua/feeds/stories/7"


def test_json_feed() -> None:
    doc = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Київ сьогодні",
        "home_page_url": "https://kyiv.example.ua/",
        "language": "uk",
        "items": [
            {
                "id": 77,
                "url": "/n/77",
                "title": "Метро працює у звичному режимі",
                "content_html": "<p>Усі станції <b>відкриті</b>.</p>",
                "date_published": "2025-03-01T12:00:00+02:00",
                "authors": [{"name": "Редакція"}],
                "tags": ["метро", "метро", "транспорт"],
            }
        ],
    }
    feed = parse_feed(json.dumps(doc).encode(), "https://kyiv.example.ua/feed.json")
    assert (feed.title, feed.site_url, feed.language) == (
        "Київ сьогодні",
        "https://kyiv.example.ua/",
        "uk",
    )
    assert feed.entries == (
        FeedEntry(
            guid="77",
            url="https://kyiv.example.ua/n/77",
            title="Метро працює у звичному режимі",
            summary="Усі станції відкриті.",
            published_at=datetime(2025, 3, 1, 10, 0, tzinfo=UTC),
            author="Редакція",
            tags=("метро", "транспорт"),
        ),
    )
    with pytest.raises(NotAFeed) as caught:
        parse_feed(b'{"items": []}', "https://kyiv.example.ua/feed.json")
    assert caught.value.reason == "not_a_feed"


@pytest.mark.parametrize("headers", [{"Content-Type": "text/html; charset=utf-8"}, None])
def test_html_page_is_not_a_feed(headers: dict[str, str] | None) -> None:
    with pytest.raises(NotAFeed) as caught:
        parse_feed(fixture("not_a_feed.html"), "https://vesti.example.ua/uk/rss", headers)
    assert caught.value.reason == "html_not_feed"
    assert "HTML" in str(caught.value)


def test_feed_served_as_text_html_still_parses() -> None:
    body = rss("Новини", "<item><title>Один</title><guid>1</guid></item>").encode()
    feed = parse_feed(body, "https://n.example.ua/rss", {"content-type": "text/html"})
    assert [e.title for e in feed.entries] == ["Один"]


@pytest.mark.parametrize("body", [b"", b"  \r\n\t "])
def test_empty_body(body: bytes) -> None:
    with pytest.raises(NotAFeed) as caught:
        parse_feed(body, "https://n.example.ua/rss")
    assert caught.value.reason == "empty"


def test_malformed_xml_with_entries_is_accepted_and_recorded() -> None:
    items = (
        "<item><title>Ціни & тарифи</title><link>https://n.example.ua/1</link></item>"
        "<item><title>Другий</title><link>https://n.example.ua/2</link></item>"
    )
    feed = parse_feed(rss("Стрічка", items).encode(), "https://n.example.ua/rss")
    assert [e.title for e in feed.entries] == ["Ціни & тарифи", "Другий"]
    assert feed.problem is not None and "broken XML" in feed.problem


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'<?xml version="1.0"?><rss version="2.0"><channel><title>obr', "malformed"),
        (b"<<<>>> \x00\x01 not xml at all", "malformed"),
        (b'<?xml version="1.0"?><catalog><book id="1"/></catalog>', "not_a_feed"),
        (b"{not json", "malformed"),
    ],
)
def test_hopeless_documents(body: bytes, reason: str) -> None:
    with pytest.raises(NotAFeed) as caught:
        parse_feed(body, "https://n.example.ua/rss")
    assert caught.value.reason == reason


def test_windows_1251_declared_as_utf8() -> None:
    body = rss("Новини України", "<item><title>Привіт, світе</title></item>").encode("cp1251")
    feed = parse_feed(body, "https://n.example.ua/rss")
    assert feed.title == "Новини України"
    assert feed.entries[0].title == "Привіт, світе"
    assert feed.problem == "declared utf-8, decoded as cp1251"


def test_utf8_declared_as_windows_1251_in_xml_and_header() -> None:
    text = rss("Свежие новости", "<item><title>Всё спокойно</title></item>", "windows-1251")
    headers = {"content-type": "application/rss+xml; charset=windows-1251"}
    feed = parse_feed(text.encode("utf-8"), "https://n.example.ru/rss", headers)
    assert feed.title == "Свежие новости"
    assert feed.entries[0].title == "Всё спокойно"


def test_xml_declaration_wins_over_server_default_charset() -> None:
    body = rss("Погода", "<item><title>Сніг</title></item>", "windows-1251").encode("cp1251")
    headers = {"Content-Type": "text/xml; charset=ISO-8859-1"}
    assert parse_feed(body, "https://n.example.ua/rss", headers).title == "Погода"


def test_undeclared_koi8r_and_utf16_bom() -> None:
    text = rss("Городские новости", "<item><title>Открыт новый парк</title></item>")
    koi8 = text.replace(' encoding="utf-8"', "").encode("koi8_r")
    assert parse_feed(koi8, "https://n.example.ru/rss").entries[0].title == "Открыт новый парк"
    utf16 = text.replace("utf-8", "utf-16").encode("utf-16")
    assert parse_feed(utf16, "https://n.example.ru/rss").title == "Городские новости"


def test_external_entity_is_not_expanded(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-7731")
    body = (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://{secret}">]>'
        '<rss version="2.0"><channel><title>t &xxe; end</title>'
        "<item><title>item &xxe;</title><description>&xxe;</description></item>"
        "</channel></rss>"
    ).encode()
    try:
        outcome: object = parse_feed(body, "https://n.example.ua/rss")
    except NotAFeed as refused:
        outcome = refused
    assert "TOP-SECRET" not in repr(outcome)


def test_billion_laughs_refused_quickly() -> None:
    levels = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 11)
    ]
    body = (
        f'<?xml version="1.0"?>\n<!DOCTYPE rss [\n{chr(10).join(levels)}\n]>\n'
        '<rss version="2.0"><channel><title>&lol10;</title>'
        "<item><title>&lol10;</title></item></channel></rss>"
    ).encode()
    started = time.monotonic()
    with pytest.raises(NotAFeed) as caught:
        parse_feed(body, "https://n.example.ua/rss")
    assert time.monotonic() - started < 1.0
    assert caught.value.reason == "entity_expansion"


def test_plain_entity_declarations_are_still_allowed() -> None:
    body = (
        '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY nbsp "&#160;"><!ENTITY site "Вісті">]>'
        '<rss version="2.0"><channel><title>&site;&nbsp;дня</title>'
        "<item><title>Один</title></item></channel></rss>"
    ).encode()
    assert parse_feed(body, "https://n.example.ua/rss").title == "Вісті дня"


def test_body_that_is_a_local_path_is_not_read(tmp_path: Path) -> None:
    local = tmp_path / "local_feed.xml"
    local.write_text(rss("LOCAL-FILE-FEED", "<item><title>LOCAL-ITEM</title></item>"))
    for body in (str(local).encode(), b"/etc/hostname"):
        try:
            outcome: object = parse_feed(body, "https://n.example.ua/rss")
        except NotAFeed as refused:
            outcome = refused
        assert isinstance(outcome, NotAFeed)
        assert "LOCAL" not in repr(outcome)


def test_huge_feed_is_cut_to_the_newest_entries() -> None:
    start = datetime(2025, 1, 1, tzinfo=UTC)
    items = "".join(
        f'<item><title>n{i}</title><guid isPermaLink="false">g{i}</guid>'
        f"<pubDate>{(start + timedelta(minutes=i)).strftime('%a, %d %b %Y %H:%M:%S +0000')}"
        "</pubDate></item>"
        for i in range(10_000)
    )
    feed = parse_feed(rss("big", items).encode(), "https://n.example.ua/rss")
    assert len(feed.entries) == MAX_ENTRIES
    assert feed.problem is not None and "10000" in feed.problem
    assert {e.guid for e in feed.entries} == {f"g{i}" for i in range(10_000 - MAX_ENTRIES, 10_000)}
    assert feed.entries[0].guid == f"g{10_000 - MAX_ENTRIES}"  # document order kept


def test_not_a_feed_survives_pickling() -> None:
    with pytest.raises(NotAFeed) as caught:
        parse_feed(b"", "https://n.example.ua/rss")
    copy = pickle.loads(pickle.dumps(caught.value))
    assert (copy.reason, str(copy)) == ("empty", str(caught.value))


# --- shared corpora -------------------------------------------------------------------------


def declared_headers(body: bytes) -> dict[str, str]:
    """The ``Header:`` lines of the corpus file's opening comment."""
    headers: dict[str, str] = {}
    comment = re.search(rb"<!--(.*?)-->", body[:4096], re.S)
    for line in comment.group(1).decode("utf-8", "replace").splitlines() if comment else []:
        if line.strip().startswith("Header:"):
            name, _, value = line.strip()[len("Header:") :].partition(":")
            headers[name.strip()] = value.strip()
    return headers


def looks_broken(text: str) -> bool:
    """Cyrillic gone (windows-1251 read as Latin-1: "Ïðèâ³ò") or doubled into "Р"/"С" pairs
    (UTF-8 read as windows-1251: "РќРѕРІ")."""
    letters = CYRILLIC.findall(text)
    return not letters or sum(c in "РС" for c in letters) > 0.3 * len(letters)


def outcome_of(body: bytes, url: str, headers: dict[str, str] | None) -> ParsedFeed | str:
    try:
        return parse_feed(body, url, headers)
    except NotAFeed as refused:
        assert refused.reason and str(refused)
        return refused.reason


@pytest.mark.corpus
def test_feedparser_wild_corpus_never_crashes() -> None:
    root = require_shared("corpus", "feeds-wild", "feedparser")
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix == ".xml")
    assert len(files) > 500
    outcomes: dict[str, int] = {}
    headed = 0
    for path in files:
        body = path.read_bytes()
        headers = declared_headers(body)
        headed += bool(headers)
        started = time.monotonic()
        result = outcome_of(body, f"http://feeds.example.org/{path.name}", headers)
        assert time.monotonic() - started < 5, path
        key = "entries" if isinstance(result, ParsedFeed) and result.entries else str(result)
        key = "no entries" if isinstance(result, ParsedFeed) and not result.entries else key
        outcomes[key] = outcomes.get(key, 0) + 1
    print(f"feeds-wild: {len(files)} files ({headed} with headers): {outcomes}")
    assert headed > 40
    assert outcomes.get("entries", 0) > 250


@pytest.mark.corpus
def test_real_feeds_parse_with_entries_and_cyrillic_survives() -> None:
    root = require_shared("corpus", "feeds-real")
    index = json.loads((root / "INDEX.json").read_text())
    with_entries, miscounted, mojibake = 0, [], []
    for item in index:
        body = (root / item["path"].split("/", 1)[1]).read_bytes()
        if item["gzip"]:
            body = gzip.decompress(body)  # as the fetcher's Content-Encoding handling would
        result = outcome_of(body, item["link"] or "https://feeds.example.org/", None)
        if not isinstance(result, ParsedFeed):
            continue
        with_entries += bool(result.entries)
        if item["entries"] and len(result.entries) != min(item["entries"], MAX_ENTRIES):
            miscounted.append(item["path"])
        titles = " ".join(filter(None, [result.title, *(e.title for e in result.entries)]))
        if item["cyrillic"] and item["kind"] == "real-world capture" and looks_broken(titles):
            mojibake.append(item["path"])
    share = with_entries / len(index)
    print(f"feeds-real: {with_entries}/{len(index)} with entries ({share:.1%})")
    assert share >= 0.9
    assert miscounted == []
    assert mojibake == []
