"""Charset decisions on Ukrainian and Russian text in both directions of mislabelling."""

from __future__ import annotations

import codecs

import pytest

from ingest.encoding import charset_from_content_type, decode_html, decode_text, meta_charset

UK = (
    "Київська міська рада ухвалила бюджет на наступний рік. Депутати підтримали зміни "
    "до програми розвитку громадського транспорту, а засідання комісії перенесли на 12 січня."
)
RU = (
    "Правительство объявило о новых мерах поддержки малого бизнеса в регионах. "
    "Заседание совета перенесли на следующую неделю, сообщает пресс-служба."
)


@pytest.mark.parametrize("text", [UK, RU])
def test_windows_1251_declared_as_utf8(text: str) -> None:
    raw = text.encode("windows-1251")
    assert decode_text(raw, "utf-8") == text
    assert decode_html(raw, "text/html; charset=UTF-8") == text


@pytest.mark.parametrize("text", [UK, RU])
def test_utf8_declared_as_windows_1251(text: str) -> None:
    raw = text.encode("utf-8")
    assert decode_text(raw, "windows-1251") == text
    html = b'<html><head><meta charset="windows-1251"></head><body>' + raw + b"</body></html>"
    assert UK[:40] in decode_html(html.replace(raw, UK.encode()), "text/html; charset=cp1251")


@pytest.mark.parametrize("text", [UK, RU])
def test_correct_windows_1251_declaration_is_honoured(text: str) -> None:
    assert decode_text(text.encode("windows-1251"), "windows-1251") == text


def test_meta_charset_is_used_when_the_header_has_none() -> None:
    html = '<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1251">'
    raw = (html + "<title>" + UK + "</title>").encode("windows-1251")
    assert UK in decode_html(raw, "text/html")
    assert UK in decode_html(raw, None)


def test_header_charset_beats_meta_when_both_decode() -> None:
    raw = ('<meta charset="koi8-r"><p>' + RU).encode("windows-1251")
    assert RU in decode_html(raw, "text/html; charset=windows-1251")


def test_xml_declaration_counts_as_meta() -> None:
    raw = ('<?xml version="1.0" encoding="windows-1251"?><rss><title>' + UK).encode("cp1251")
    assert UK in decode_html(raw, "application/xml")


def test_detection_without_any_declaration() -> None:
    assert decode_text(UK.encode("windows-1251"), None) == UK
    assert decode_text(RU.encode("koi8-r"), None) == RU


@pytest.mark.parametrize(
    ("bom", "codec"),
    [
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
        (codecs.BOM_UTF32_LE, "utf-32-le"),
    ],
)
def test_bom_wins_over_any_declaration(bom: bytes, codec: str) -> None:
    assert decode_html(bom + UK.encode(codec), "text/html; charset=windows-1251") == UK
    assert decode_text(bom + UK.encode(codec), "iso-8859-1") == UK


def test_nul_characters_are_removed() -> None:
    assert decode_text("Ки\x00їв".encode(), "utf-8") == "Київ"
    assert decode_html(b"a\x00b", None) == "ab"


def test_invalid_bytes_become_replacement_characters_not_errors() -> None:
    text = decode_text(b"\x81\x8d\x00garbage\xff\xfd", "no-such-charset")
    assert "garbage" in text
    assert "\x00" not in text


def test_utf7_declaration_is_not_honoured() -> None:
    assert decode_text(b"+ADw-script+AD4-", "utf-7") == "+ADw-script+AD4-"


def test_latin1_label_means_windows_1252() -> None:
    assert decode_text(b"\x93quoted\x94", "iso-8859-1") == "\u201cquoted\u201d"


def test_charset_extraction_helpers() -> None:
    assert charset_from_content_type('text/html; charset="Windows-1251"') == "Windows-1251"
    assert charset_from_content_type("text/html") is None
    assert charset_from_content_type(None) is None
    assert meta_charset(b"<head><META CHARSET=utf-8></head>") == "utf-8"
    assert meta_charset(b"<head><title>x</title></head>") is None
