"""Declared page metadata and the language of a text (``ingest.metadata``)."""

from __future__ import annotations

from datetime import UTC, datetime

import lxml.html
import pytest

from ingest.metadata import detect_language, read_metadata


@pytest.mark.parametrize(
    ("text", "declared", "expected"),
    [
        ("Уряд ухвалив постанову про нову програму підтримки малого бізнесу", None, "uk"),
        ("В Харькове открылся новый подземный детский сад для воспитанников", "uk", "ru"),
        ("Гэта беларускі тэкст пра ўсё і нічога, які мае шмат літар ў і і", None, "be"),
        ("Ово је српски текст који има слово ј у себи више пута, зар не", None, "sr"),
        ("Това е български текст, който съдържа ъ в много думи ъъъ", None, "bg"),
        ("The city council approved the budget for next year after a debate", "uk", "en"),
        ("Der Stadtrat hat den Haushalt für das nächste Jahr nicht genehmigt und die", None, "de"),
        ("Zwölf Boxkämpfer jagen Viktor quer über den großen Sylter Deich", "de", "de"),
        # ½ is a word character to the regex but not a letter: twenty of them are not enough
        ("½½½½½½½½½½½½½½½½½½½½ ab", "uk", "uk"),
        ("abc ½½½½½½½½½½½½½½½½½½½½ defghijklmnopqrstuvw the and", "uk", "en"),
        ("短い", "ja", "ja"),
        ("这是一个中文句子，用来测试语言检测是否正确工作，没有问题。", None, "zh"),
        ("这是一个中文句子，用来测试语言检测是否正确工作，没有问题。", "uk", "uk"),
        ("これは日本語の文章です。ひらがなとカタカナが混ざっています。テスト", None, "ja"),
        ("한국어 문장입니다 테스트를 위한 문장이고 아무 문제가 없습니다", None, "ko"),
        ("Αυτό είναι ένα ελληνικό κείμενο για δοκιμή της ανίχνευσης γλώσσας", None, "el"),
        # as many letters of two scripts: the one the text starts with wins
        ("αβγδεζηθικ אבגדהוזחטי", "uk", "el"),
        ("אבגדהוזחטי αβγδεζηθικ", "uk", "he"),
        ("中文中文中文中文中文 αβγδεζηθικ", None, "zh"),
    ],
)
def test_language_of_a_text(text: str, declared: str | None, expected: str) -> None:
    assert detect_language(text, declared) == expected


def test_declarations_anywhere_in_the_page_are_read_in_page_order() -> None:
    html = (
        '<html lang="uk-UA"><head><link rel="canonical">'
        '<link rel="canonical" href="/news/1"><link rel="canonical" href="/news/other">'
        '<link rel="alternate nofollow" hreflang=" en " href="/en/news/1">'
        '<link rel="alternates" hreflang="de" href="/de/news/1">'
        '<link rel="alternate" hreflang="pl" href="mailto:desk@visnyk.example">'
        '<meta name="description"><meta property="og:title" content=" Уряд  і бізнес ">'
        "</head><body><article><time>вчора</time>"
        '<time datetime="2026-03-05T14:20:00Z">5 березня</time>'
        '<script type="application/ld+json">{"@type": "NewsArticle", "author": "Олена"}</script>'
        '<meta itemprop="description" content="Гранти для громад"></article></body></html>'
    )
    meta = read_metadata(lxml.html.fromstring(html), "https://visnyk.example/a?x=1")
    assert meta.title == "Уряд і бізнес"
    assert meta.author == "Олена"
    assert meta.published_at == datetime(2026, 3, 5, 14, 20, tzinfo=UTC)
    assert meta.description == "Гранти для громад"
    assert meta.canonical_url == "https://visnyk.example/news/1"
    assert meta.alternates == (("en", "https://visnyk.example/en/news/1"),)
    assert meta.declared_language == "uk"


def test_a_canonical_link_with_an_empty_address_hides_og_url() -> None:
    html = (
        '<html><head><link rel="canonical" href="">'
        '<meta property="og:url" content="https://visnyk.example/og"></head><body></body></html>'
    )
    assert (
        read_metadata(lxml.html.fromstring(html), "https://visnyk.example/a").canonical_url is None
    )
