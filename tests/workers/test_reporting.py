"""The daily report job writes every format, with events refreshed as of the report day."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from icalendar import Calendar

from ingest.followups.types import FollowUp
from storage import followups as followup_rows
from storage import migrate
from storage.db import session_scope
from storage.models import Article
from workers.reporting import FILES, refresh_and_write, today_in
from workers.settings import Settings


def test_report_job_writes_html_ics_json_and_markdown(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path)  # type: ignore[call-arg]
    migrate.upgrade(settings.database)
    soon = today_in(settings) + timedelta(days=3)
    with session_scope(settings.database) as s:
        art = Article(
            url_key="1" * 64,
            url="https://news.example/forum",
            host="news.example",
            status="stored",
            title="Форум <b>регіонів</b>",
        )
        s.add(art)
        s.flush()
        followup_rows.record(
            s,
            int(art.id or 0),
            [
                FollowUp(
                    starts_on=soon,
                    ends_on=soon,
                    location="Львів",
                    what="форум регіонів",
                    sentence="Форум регіонів відбудеться у Львові.",
                    confidence=0.9,
                )
            ],
            "uk",
            date.today(),
        )

    out = refresh_and_write(settings)

    assert sorted(p.name for p in out.iterdir()) == sorted(FILES.values())
    events = json.loads((out / FILES["json"]).read_text("utf-8"))["events"]
    assert [(e["starts_on"], e["location"], e["status"]) for e in events] == [
        (soon.isoformat(), "Львів", "upcoming")
    ]
    html = (out / FILES["html"]).read_text("utf-8")
    assert "Львів" in html and "<b>регіонів</b>" not in html
    calendar = Calendar.from_ical((out / FILES["ics"]).read_bytes())
    assert [str(e.get("LOCATION")) for e in calendar.walk("VEVENT")] == ["Львів"]
