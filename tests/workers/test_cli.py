"""The ``vistka`` command as a user runs it (a subprocess on the embedded backend): feeds in and
out, OPML round trips, one-line errors, masked configuration, and the article views after a run."""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ingest.opml import parse_opml
from tests.support.backends import Backend, backend, base_env, started_with
from tests.support.forked import frozen_after
from tests.support.server import LoopbackServer, Reply
from tests.support.services import postgres_database, redis_url
from workers.cli import main as cli_main

pytestmark = pytest.mark.integration

UK_PARAGRAPHS = (
    "Київська міська рада ухвалила програму оновлення громадського транспорту на наступні три "
    "роки. Документ передбачає закупівлю двохсот нових тролейбусів і ремонт депо.",
    "За словами заступника міського голови, перші машини вийдуть на маршрути вже навесні. "
    "Кошти на закупівлю надасть міжнародний банк у вигляді пільгового кредиту.",
    "Депутати також доручили транспортному департаменту підготувати нову схему маршрутів, яка "
    "врахує потреби мешканців лівобережних районів столиці.",
)
RU_PARAGRAPHS = (
    "В Одессе открылся обновлённый морской вокзал после двух лет реконструкции. Здание получило "
    "новую крышу, систему отопления и просторный зал ожидания для пассажиров.",
    "Как сообщили в администрации порта, вокзал сможет принимать до трёх тысяч человек в день. "
    "Работы оплатили из городского бюджета и средств частного инвестора.",
)
EN_PARAGRAPHS = (
    "The national library in Lviv has finished digitising its collection of nineteenth-century "
    "newspapers, putting more than forty thousand pages online for free.",
    "Librarians said the project took four years and relied on volunteers who checked every "
    "scanned page by hand before it was published in the public catalogue.",
)


def page(title: str, paragraphs: tuple[str, ...], lang: str) -> bytes:
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title>"
        '<meta property="article:published_time" content="2026-01-03T09:00:00+02:00">'
        f"</head><body><article><h1>{html.escape(title)}</h1>{body}</article></body></html>"
    ).encode()


def rss(server: LoopbackServer, items: list[tuple[str, str]]) -> bytes:
    entries = "".join(
        f"<item><title>{html.escape(title)}</title><link>{server.url(path)}</link>"
        f"<guid>{path}</guid><pubDate>Sat, 03 Jan 2026 07:00:00 GMT</pubDate></item>"
        for path, title in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Міські новини</title><link>{server.base}/</link>{entries}</channel></rss>"
    ).encode()


def serve_news(server: LoopbackServer) -> None:
    """Three articles and a republished copy of the first (same text, another address)."""
    html_type = {"Content-Type": "text/html; charset=utf-8"}
    pages = {
        "/kyiv/transport.html": page("Київ оновить тролейбусний парк", UK_PARAGRAPHS, "uk"),
        "/odesa/vokzal.html": page("В Одессе открыли морской вокзал", RU_PARAGRAPHS, "ru"),
        "/lviv/library.html": page("Lviv library digitises old newspapers", EN_PARAGRAPHS, "en"),
        "/copy/transport.html": page("Київ оновить тролейбусний парк", UK_PARAGRAPHS, "uk"),
    }
    for path, body in pages.items():
        server.routes[path] = Reply(200, html_type, body)
    server.routes["/rss.xml"] = Reply(
        200,
        {"Content-Type": "application/rss+xml"},
        rss(server, [(p, "item") for p in pages]),
    )


def assert_one_line_error(proc: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert proc.returncode == 1, (proc.returncode, proc.stdout, proc.stderr)
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error:"), proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    for needle in needles:
        assert needle in lines[0], lines[0]


@pytest.fixture
def cli(tmp_path: Path) -> Iterator[Backend]:
    with backend("embedded", tmp_path) as b:
        yield b


@pytest.fixture(scope="module")
def after_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Backend, LoopbackServer]]:
    """One embedded service that has ingested the small news site once."""
    server = LoopbackServer().start()
    try:
        serve_news(server)
        with backend("embedded", tmp_path_factory.mktemp("cli-run")) as b:
            b.cli("feeds", "add", server.url("/rss.xml"))
            summary = json.loads(b.cli("run", "--once", "--json", timeout=300).stdout)
            assert summary["pending"] == 0, summary
            yield b, server
    finally:
        server.stop()


def feeds(b: Backend) -> list[dict[str, Any]]:
    return json.loads(b.cli("feeds", "list", "--json").stdout)


# --- feeds ----------------------------------------------------------------------------------


def test_a_command_spares_itself_the_last_collection(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", ["vistka", "--help"])
    assert frozen_after(cli_main)


def test_feeds_add_twice_reports_already_present(cli: Backend) -> None:
    first = cli.cli(
        "feeds",
        "add",
        "https://news.example.com/rss",
        "--name",
        "Новини",
        "--language",
        "uk",
        "--interval",
        "600",
    )
    second = cli.cli("feeds", "add", "https://news.example.com/rss")

    assert first.stdout.startswith("added: feed 1 https://news.example.com/rss")
    assert second.stdout.startswith("already present: feed 1 ")
    assert len(feeds(cli)) == 1


def test_feeds_list_json_shows_state_before_any_poll(cli: Backend) -> None:
    cli.cli(
        "feeds",
        "add",
        "https://news.example.com/rss",
        "--name",
        "Новини",
        "--language",
        "uk",
        "--interval",
        "600",
    )

    (feed,) = feeds(cli)

    assert feed["id"] == 1
    assert feed["url"] == "https://news.example.com/rss"
    assert feed["title"] == "Новини"
    assert feed["language"] == "uk"
    assert feed["enabled"] is True
    assert feed["interval"] == 600
    assert feed["last_polled_at"] is None
    assert feed["last_error"] is None
    assert feed["entries_seen"] == 0


def test_feeds_remove_by_id_and_by_url(cli: Backend) -> None:
    cli.cli("feeds", "add", "https://a.example.com/rss")
    cli.cli("feeds", "add", "https://b.example.com/rss")
    cli.cli("feeds", "add", "https://c.example.com/rss")

    by_id = cli.cli("feeds", "remove", "2")
    by_url = cli.cli("feeds", "remove", "https://c.example.com/rss")

    assert "removed: feed 2 https://b.example.com/rss" in by_id.stdout
    assert "removed: feed 3 https://c.example.com/rss" in by_url.stdout
    assert [f["url"] for f in feeds(cli)] == ["https://a.example.com/rss"]
    assert_one_line_error(cli.cli("feeds", "remove", "2", check=False), "no such feed")


OPML = """<?xml version="1.0" encoding="utf-8"?>
<opml version="2.0">
  <head><title>Мої стрічки</title></head>
  <body>
    <outline text="Україна">
      <outline text="Укрінформ" type="rss" xmlUrl="https://www.ukrinform.ua/rss/block-lastnews"
               language="uk"/>
      <outline text="Регіони">
        <outline text="Львів" title="Новини Львова" type="rss"
                 xmlUrl="https://lviv.example.ua/feed.xml"/>
      </outline>
    </outline>
    <outline text="World">
      <outline text="English" type="rss" xmlUrl="http://world.example.com/rss" language="en"/>
      <outline text="Local file" type="rss" xmlUrl="file:///etc/passwd"/>
      <outline text="FTP" type="rss" xmlUrl="ftp://old.example.com/feed.xml"/>
    </outline>
  </body>
</opml>
"""


def test_opml_import_walks_nested_outlines_skips_non_http_and_export_round_trips(
    cli: Backend, tmp_path: Path
) -> None:
    path = tmp_path / "feeds.opml"
    path.write_text(OPML, "utf-8")

    out = cli.cli("feeds", "import", str(path))

    assert "imported 3 new feed(s)" in out.stdout
    listed = {f["url"]: f for f in feeds(cli)}
    assert set(listed) == {
        "https://www.ukrinform.ua/rss/block-lastnews",
        "https://lviv.example.ua/feed.xml",
        "http://world.example.com/rss",
    }
    assert listed["https://lviv.example.ua/feed.xml"]["title"] == "Новини Львова"
    assert listed["https://www.ukrinform.ua/rss/block-lastnews"]["language"] == "uk"

    exported = cli.cli("feeds", "export").stdout
    assert exported.startswith("<?xml")
    again = {(f.url, f.title, f.language) for f in parse_opml(exported.encode())}
    assert again == {(f["url"], f["title"], f["language"]) for f in listed.values()}

    second = tmp_path / "exported.opml"
    second.write_text(exported, "utf-8")
    reimport = cli.cli("feeds", "import", str(second))
    assert "imported 0 new feed(s) of 3" in reimport.stdout
    assert len(feeds(cli)) == 3


# --- errors ---------------------------------------------------------------------------------


def test_a_bad_feed_url_is_a_one_line_error(cli: Backend) -> None:
    assert_one_line_error(
        cli.cli("feeds", "add", "news.example.com/rss", check=False), "not an http(s) URL"
    )
    assert_one_line_error(cli.cli("feeds", "add", "javascript:alert(1)", check=False))
    assert feeds(cli) == []


def test_a_missing_opml_file_is_a_one_line_error(cli: Backend, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.opml"
    assert_one_line_error(
        cli.cli("feeds", "import", str(missing), check=False), "no such file", str(missing)
    )


def test_an_opml_file_that_is_not_opml_is_a_one_line_error(cli: Backend, tmp_path: Path) -> None:
    path = tmp_path / "feeds.opml"
    path.write_text("<html><body>not a list of feeds</body></html>", "utf-8")
    assert_one_line_error(cli.cli("feeds", "import", str(path), check=False), "not OPML")


def test_an_unknown_article_id_is_a_one_line_error(cli: Backend) -> None:
    assert_one_line_error(cli.cli("articles", "show", "4242", check=False), "no such article: 4242")


def test_a_bad_since_is_a_one_line_error(cli: Backend) -> None:
    assert_one_line_error(cli.cli("articles", "list", "--since", "вчора", check=False), "--since")


def test_an_unknown_report_format_is_a_one_line_error(cli: Backend) -> None:
    assert_one_line_error(cli.cli("report", "--format", "pdf", check=False), "unknown format 'pdf'")


def test_a_bad_report_date_is_a_one_line_error(cli: Backend) -> None:
    assert_one_line_error(cli.cli("report", "--today", "03.01.2026", check=False), "--today")


# --- configuration and schema ---------------------------------------------------------------


def test_config_show_masks_passwords(tmp_path: Path) -> None:
    with backend("embedded", tmp_path) as b:
        env = dict(
            b.env,
            VISTKA_DATABASE_URL="postgresql://vistka:pg-pass-7731@db.internal:5432/news",
            VISTKA_FLOWER_PASSWORD="flower-pass-9902",
        )
        masked = Backend(b.name, env, b.data_dir)

        text_out = masked.cli("config", "show").stdout
        json_out = masked.cli("config", "show", "--json").stdout

    for out in (text_out, json_out):
        assert "pg-pass-7731" not in out
        assert "flower-pass-9902" not in out
    shown = json.loads(json_out)
    assert shown["database_url"] == "postgresql://vistka:********@db.internal:5432/news"
    assert (
        shown["database (effective)"]
        == "postgresql+psycopg://vistka:********@db.internal:5432/news"
    )
    assert shown["flower_password"] == "********"
    assert "flower_password = ********" in text_out


def test_schema_describes_the_articles_view(cli: Backend) -> None:
    out = cli.cli("schema").stdout
    assert "view" in out.lower()
    assert re.search(r"\barticles\b", out)
    for column in ("canonical_url", "duplicate_of", "story_id"):
        assert column in out


# --- after a run ----------------------------------------------------------------------------

ARTICLE_KEYS = {
    "id",
    "url",
    "canonical_url",
    "title",
    "text",
    "published_at",
    "language",
    "feed_id",
    "status",
    "duplicate_of",
    "story_id",
}


def test_articles_list_json_after_a_run(after_run: tuple[Backend, LoopbackServer]) -> None:
    b, server = after_run

    rows = json.loads(b.cli("articles", "list", "--json").stdout)

    assert len(rows) == 4
    for row in rows:
        assert set(row) >= ARTICLE_KEYS, sorted(set(row))
        assert row["feed_id"] == 1
        assert row["text"], row
    by_path = {r["url"].removeprefix(server.base): r for r in rows}
    assert by_path["/kyiv/transport.html"]["language"] == "uk"
    assert by_path["/odesa/vokzal.html"]["language"] == "ru"
    assert by_path["/lviv/library.html"]["language"] == "en"
    assert "тролейбусів" in by_path["/kyiv/transport.html"]["text"]
    assert by_path["/kyiv/transport.html"]["canonical_url"] == server.url("/kyiv/transport.html")
    original, copy = by_path["/kyiv/transport.html"], by_path["/copy/transport.html"]
    assert (original["status"], copy["status"]) == ("stored", "duplicate")
    assert copy["duplicate_of"] == original["id"]
    assert copy["story_id"] == original["story_id"] == original["id"]

    stored = json.loads(b.cli("articles", "list", "--json", "--status", "stored").stdout)
    assert len(stored) == 3
    assert json.loads(b.cli("articles", "list", "--json", "--feed", "99").stdout) == []


def test_articles_list_since_filters_by_date(after_run: tuple[Backend, LoopbackServer]) -> None:
    b, _ = after_run
    before = json.loads(b.cli("articles", "list", "--json", "--since", "2026-01-01").stdout)
    after = json.loads(b.cli("articles", "list", "--json", "--since", "2099-01-01").stdout)
    assert len(before) == 4
    assert after == []


def test_articles_show_json_lists_the_copies(after_run: tuple[Backend, LoopbackServer]) -> None:
    b, server = after_run
    rows = json.loads(b.cli("articles", "list", "--json").stdout)
    by_path = {r["url"].removeprefix(server.base): r for r in rows}
    original, copy = by_path["/kyiv/transport.html"], by_path["/copy/transport.html"]

    shown = json.loads(b.cli("articles", "show", str(original["id"]), "--json").stdout)
    lone = json.loads(
        b.cli("articles", "show", str(by_path["/lviv/library.html"]["id"]), "--json").stdout
    )

    assert shown["id"] == original["id"]
    assert shown["text"] == original["text"]
    assert [c["id"] for c in shown["copies"]] == [copy["id"]]
    assert shown["copies"][0]["duplicate_rule"] == "text"
    assert lone["copies"] == []


def test_report_ics_is_a_calendar(after_run: tuple[Backend, LoopbackServer]) -> None:
    b, _ = after_run
    out = b.cli("report", "--format", "ics").stdout
    assert out.startswith("BEGIN:VCALENDAR")
    assert out.rstrip().endswith("END:VCALENDAR")


# --- run ------------------------------------------------------------------------------------


def test_run_once_on_a_database_behind_its_schema_fails_and_leaves_no_worker(
    tmp_path: Path,
) -> None:
    """``run --once`` starts its workers before it checks the schema: a database not yet
    migrated is still a one-line error, and the workers started meanwhile are stopped."""
    with postgres_database() as url:
        b = Backend(
            "production",
            base_env(tmp_path / "data", VISTKA_DATABASE_URL=url, VISTKA_BROKER_URL=redis_url()),
            tmp_path / "data",
        )
        out = b.cli("run", "--once", "--json", check=False, timeout=120)
    assert out.returncode == 1, out.stderr
    assert "run `vistka db upgrade` first" in out.stderr
    assert "Traceback" not in out.stderr
    assert started_with(tmp_path / "data") == []


def test_run_has_its_help_and_is_listed(cli: Backend) -> None:
    listed = cli.cli("--help").stdout
    assert re.search(r"\brun\b", listed)
    own = cli.cli("run", "--help").stdout
    assert "--once" in own and "--timeout" in own and "run [OPTIONS]" in own
    wrong = cli.cli("run", "--bogus", check=False)
    assert wrong.returncode != 0 and "--bogus" in wrong.stderr and "Traceback" not in wrong.stderr
