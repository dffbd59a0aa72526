"""Every report format on a few hand-made events, including hostile article text."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from html.parser import HTMLParser

import pytest
from icalendar import Calendar

from ingest.report import FORMATS, EventView, Format, SourceView, parse_json, render

GENERATED = datetime(2026, 1, 4, 12, 30, tzinfo=UTC)
KYIV = timezone(timedelta(hours=2))
HOSTILE_TITLE = "Саміт <script>alert(1)</script> [red]x[/red] *bold* | pipe"
HOSTILE_URL = "javascript:alert(document.cookie)"

ANNOUNCED = SourceView(
    article_id=11,
    url="https://www.example.ua/news/leaders-paris.html",
    title="Лідери коаліції охочих зустрінуться в Парижі",
    published_at=datetime(2026, 1, 3, 18, 5, tzinfo=KYIV),
    sentence="Зустріч лідерів коаліції охочих відбудеться 6 січня у Парижі.",
)
HOSTILE = SourceView(
    article_id=12,
    url=HOSTILE_URL,
    title=HOSTILE_TITLE,
    published_at=None,
    sentence='Речення з "лапками" & <b>тегами</b>.',
)
COVERED = SourceView(
    article_id=21,
    url="https://news.example.com/ru/geneva?id=5&lang=ru",
    title=None,
    published_at=datetime(2026, 1, 2, 9, 0, tzinfo=UTC),
    sentence="В Женеве прошли переговоры.",
)

PARIS = EventView(
    id=7,
    starts_on=date(2026, 1, 6),
    ends_on=date(2026, 1, 6),
    location="Париж",
    what="зустріч лідерів коаліції охочих",
    status="upcoming",
    confidence=0.86,
    sources=(ANNOUNCED, HOSTILE),
)
RADA = EventView(
    id=3,
    starts_on=date(2026, 1, 13),
    ends_on=date(2026, 1, 15),
    location=None,
    what="пленарний тиждень Верховної Ради",
    status="postponed",
    confidence=0.7,
    sources=(ANNOUNCED,),
    previous_starts_on=date(2026, 1, 8),
)
GENEVA = EventView(
    id=5,
    starts_on=date(2026, 1, 2),
    ends_on=date(2026, 1, 2),
    location="Женева",
    what="переговоры в Женеве",
    status="covered",
    confidence=0.9,
    sources=(ANNOUNCED,),
    covered_by=COVERED,
)
VOTE = EventView(
    id=9,
    starts_on=date(2026, 1, 5),
    ends_on=date(2026, 1, 5),
    location="Брюссель",
    what="голосування в Раді ЄС",
    status="cancelled",
    confidence=0.55,
    sources=(ANNOUNCED,),
)
EVENTS = (RADA, PARIS, VOTE, GENEVA)


class _Collector(HTMLParser):
    """Tags and link targets of a page, as a browser's parser would see them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.urls: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("href", "src", "action", "srcset") and value is not None:
                self.urls.append(value)
            assert not name.startswith("on"), f"event handler attribute {name}"

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse_html(page: str) -> _Collector:
    collector = _Collector()
    collector.feed(page)
    return collector


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown report format"):
        render(EVENTS, "pdf", GENERATED)  # type: ignore[arg-type]


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_renders_no_events(fmt: Format) -> None:
    out = render((), fmt, GENERATED)
    assert out.strip()


@pytest.mark.parametrize("fmt", FORMATS)
def test_output_does_not_depend_on_input_order(fmt: Format) -> None:
    forward = render(EVENTS, fmt, GENERATED)
    assert render(tuple(reversed(EVENTS)), fmt, GENERATED) == forward


# --- table ---------------------------------------------------------------------------------


def test_table_is_plain_text_within_width_with_every_event() -> None:
    out = render(EVENTS, "table", GENERATED)
    assert "\x1b" not in out
    assert max(len(line) for line in out.splitlines()) <= 120
    for event in EVENTS:
        assert f"│ {event.id} " in out
    assert "postponed (was 2026-01-08)" in out
    assert "Женева" in out


def test_table_shows_rich_markup_in_titles_literally() -> None:
    out = render(EVENTS, "table", GENERATED)
    assert "[red]x[/red]" in out


# --- Markdown ------------------------------------------------------------------------------


def test_markdown_has_a_row_per_event_in_date_order() -> None:
    out = render(EVENTS, "md", GENERATED)
    rows = [line for line in out.splitlines() if line.startswith("| ") and "---" not in line]
    assert [row.split(" | ")[0] for row in rows[1:]] == ["| 5", "| 9", "| 7", "| 3"]
    assert all(row.count(" | ") == 6 for row in rows)
    assert "[Лідери коаліції охочих зустрінуться в Парижі](https://www.example.ua/" in out


def test_markdown_neutralises_hostile_titles_and_links() -> None:
    out = render(EVENTS, "md", GENERATED, title="Звіт <script>alert(1)</script>")
    assert "<script" not in out and "<b>" not in out
    assert "javascript:" not in out
    assert "&lt;script&gt;" in out
    assert "\\[red\\]" in out and "\\*bold\\*" in out and "\\| pipe" in out


# --- JSON ----------------------------------------------------------------------------------


def test_json_round_trips_to_the_same_views() -> None:
    out = render(EVENTS, "json", GENERATED)
    back = parse_json(out)
    assert back == sorted(EVENTS, key=lambda e: (e.starts_on, e.ends_on, e.id))


def test_json_uses_iso_dates_and_documented_keys() -> None:
    document = json.loads(render(EVENTS, "json", GENERATED))
    assert document["generated_at"] == "2026-01-04T12:30:00+00:00"
    geneva = next(e for e in document["events"] if e["id"] == 5)
    assert set(geneva) == {
        "id",
        "starts_on",
        "ends_on",
        "location",
        "what",
        "status",
        "confidence",
        "previous_starts_on",
        "sources",
        "covered_by",
    }
    assert geneva["starts_on"] == "2026-01-02"
    assert geneva["covered_by"]["published_at"] == "2026-01-02T09:00:00+00:00"
    assert geneva["sources"][0]["published_at"] == "2026-01-03T18:05:00+02:00"


def test_json_of_another_format_is_refused() -> None:
    with pytest.raises(ValueError):
        parse_json('{"format": "something-else", "version": 1, "events": []}')


# --- HTML ----------------------------------------------------------------------------------


def test_html_escapes_article_text_and_links_only_http() -> None:
    page = render(EVENTS, "html", GENERATED, title="Звіт <script>alert(1)</script>")
    parsed = parse_html(page)
    assert "script" not in parsed.tags
    assert "b" not in parsed.tags
    assert parsed.urls, "the safe sources should be links"
    assert all(url.startswith(("https://", "http://")) for url in parsed.urls)
    text = "".join(parsed.text)
    assert HOSTILE_TITLE in text
    assert "Звіт <script>alert(1)</script>" in text
    assert "https://news.example.com/ru/geneva?id=5&amp;lang=ru" in page


def test_html_is_self_contained() -> None:
    page = render(EVENTS, "html", GENERATED)
    parsed = parse_html(page)
    assert not {"script", "link", "img", "iframe", "object"} & set(parsed.tags)
    assert "style" in parsed.tags
    assert "Content-Security-Policy" in page


def test_html_timeline_groups_upcoming_events_by_day() -> None:
    extra = EventView(
        id=8,
        starts_on=date(2026, 1, 6),
        ends_on=date(2026, 1, 6),
        location="Київ",
        what="засідання Ставки",
        status="due",
        confidence=0.6,
        sources=(ANNOUNCED,),
    )
    page = render((*EVENTS, extra), "html", GENERATED)
    upcoming, earlier = page.split('<section id="earlier">')
    assert upcoming.count("Tuesday, 2026-01-06") == 1
    assert upcoming.index("Tuesday, 2026-01-06") < upcoming.index("Tuesday, 2026-01-13")
    assert 'id="event-7"' in upcoming and 'id="event-8"' in upcoming
    assert 'id="event-3"' in upcoming
    assert 'id="event-5"' in earlier and 'id="event-9"' in earlier
    assert earlier.index("2026-01-05") < earlier.index("2026-01-02")


# --- iCalendar -----------------------------------------------------------------------------


def test_ics_parses_back_with_all_day_exclusive_end() -> None:
    out = render(EVENTS, "ics", GENERATED)
    calendar = Calendar.from_ical(out)
    vevents = {str(v["uid"]): v for v in calendar.walk("VEVENT")}
    assert set(vevents) == {f"event-{e.id}@vistka" for e in EVENTS}
    for event in EVENTS:
        vevent = vevents[f"event-{event.id}@vistka"]
        start, end = vevent.decoded("dtstart"), vevent.decoded("dtend")
        assert not isinstance(start, datetime) and not isinstance(end, datetime)
        assert (start, end) == (event.starts_on, event.ends_on + timedelta(days=1))
        assert str(vevent["summary"]) == event.what
        assert vevent.decoded("dtstamp") == GENERATED
    rada = vevents["event-3@vistka"]
    assert (rada.decoded("dtstart"), rada.decoded("dtend")) == (
        date(2026, 1, 13),
        date(2026, 1, 16),
    )
    assert rada.decoded("sequence") == 1


def test_ics_status_location_and_description() -> None:
    calendar = Calendar.from_ical(render(EVENTS, "ics", GENERATED))
    vevents = {str(v["uid"]): v for v in calendar.walk("VEVENT")}
    assert str(vevents["event-9@vistka"]["status"]) == "CANCELLED"
    assert str(vevents["event-5@vistka"]["status"]) == "CONFIRMED"
    assert str(vevents["event-7@vistka"]["status"]) == "TENTATIVE"
    assert str(vevents["event-7@vistka"]["location"]) == "Париж"
    assert "location" not in vevents["event-3@vistka"]
    paris = str(vevents["event-7@vistka"]["description"])
    assert ANNOUNCED.url in paris and ANNOUNCED.sentence in paris
    assert HOSTILE_URL not in paris
    assert str(vevents["event-7@vistka"]["url"]) == ANNOUNCED.url
    assert "covered by" in str(vevents["event-5@vistka"]["description"])


def test_ics_is_a_valid_feed_for_subscription() -> None:
    out = render(EVENTS, "ics", GENERATED, title="vistka; events, all")
    assert out.startswith("BEGIN:VCALENDAR\r\n") and out.endswith("END:VCALENDAR\r\n")
    assert all(len(line.encode()) <= 75 for line in out.split("\r\n"))
    calendar = Calendar.from_ical(out)
    assert str(calendar["version"]) == "2.0"
    assert str(calendar["x-wr-calname"]) == "vistka; events, all"
    assert "PRODID:" in out and "REFRESH-INTERVAL;VALUE=DURATION:PT6H" in out
