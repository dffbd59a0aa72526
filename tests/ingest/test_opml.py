"""parse_opml / render_opml."""

from __future__ import annotations

import pytest

from ingest.opml import OpmlFeed, parse_opml, render_opml

NESTED = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>Мої стрічки</title></head>
  <body>
    <outline text="Україна">
      <outline text="Вісті Полтавщини" type="rss" xmlUrl="https://vesti.example.ua/uk/rss.xml"
               htmlUrl="https://vesti.example.ua/" language="uk"/>
      <outline text="Регіони">
        <outline text="Львів" title="Львівські новини" type="rss"
                 xmlurl="https://lviv.example.ua/feed?lang=uk&amp;v=2"/>
      </outline>
    </outline>
    <outline text="World" type="rss" xmlUrl="https://harbour.example.com/rss"/>
    <outline text="duplicate" type="rss" xmlUrl="https://harbour.example.com/rss"/>
    <outline text="not a web feed" type="rss" xmlUrl="file:///etc/passwd"/>
    <outline text="folder without feeds"/>
  </body>
</opml>
"""


def test_parse_nested_outlines() -> None:
    assert parse_opml(NESTED.encode()) == [
        OpmlFeed("https://vesti.example.ua/uk/rss.xml", "Вісті Полтавщини", "uk"),
        OpmlFeed("https://lviv.example.ua/feed?lang=uk&v=2", "Львівські новини"),
        OpmlFeed("https://harbour.example.com/rss", "World"),
    ]


def test_windows_1251_opml() -> None:
    body = (
        '<?xml version="1.0" encoding="windows-1251"?><opml version="1.0"><head/><body>'
        '<outline text="Новости" xmlUrl="https://gazeta.example.ru/rss"/></body></opml>'
    ).encode("cp1251")
    assert parse_opml(body) == [OpmlFeed("https://gazeta.example.ru/rss", "Новости")]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "empty"),
        (b"<opml><body><outline", "well-formed"),
        (b'<?xml version="1.0"?><rss version="2.0"><channel/></rss>', "<rss>"),
        (b"<opml version='2.0'><head/></opml>", "<body>"),
        (
            b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]>'
            b'<opml><body><outline text="&b;" xmlUrl="https://x.example/"/></body></opml>',
            "entities",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY x SYSTEM "file:///etc/hostname">]>'
            b'<opml><body><outline text="&x;" xmlUrl="https://x.example/"/></body></opml>',
            "entities",
        ),
    ],
)
def test_bad_opml(body: bytes, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_opml(body)


def test_render_round_trip() -> None:
    feeds = [
        OpmlFeed("https://vesti.example.ua/uk/rss.xml", 'Вісті "Полтава" & Co <uk>', "uk"),
        OpmlFeed("https://lviv.example.ua/feed?lang=uk&v=2", None),
        OpmlFeed("https://harbour.example.com/rss", "Tab\there\x01", "en"),
    ]
    text = render_opml(feeds, title="Стрічки vistka")
    assert text.startswith('<?xml version="1.0" encoding="utf-8"?>')
    assert "<title>Стрічки vistka</title>" in text
    assert parse_opml(text.encode("utf-8")) == [
        feeds[0],
        OpmlFeed(feeds[1].url, feeds[1].url),  # the URL stands in for a missing title
        OpmlFeed(feeds[2].url, "Tab here", "en"),
    ]


def test_render_empty() -> None:
    assert parse_opml(render_opml([]).encode()) == []
