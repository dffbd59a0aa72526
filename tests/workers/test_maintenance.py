"""Maintenance over stored articles, through the CLI as operators run it: the duplicate index and
stories rebuilt, articles re-extracted from kept raw pages, language versions linked by hreflang."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.support.backends import Backend
from tests.support.hostile import item, rss, xml_reply
from tests.support.server import LoopbackServer, Reply
from workers.demo.site import SampleSite

pytestmark = pytest.mark.integration


def _articles(env: Backend) -> list[dict[str, Any]]:
    return json.loads(env.cli("articles", "list", "--json").stdout)


def _shape(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return sorted(
        (r["url"], r["status"], r["story_id"], r["duplicate_rule"], r["text"]) for r in rows
    )


def test_rebuild_and_reextract_are_idempotent(env: Backend) -> None:
    with SampleSite(datetime.now(UTC)) as site:
        env.cli("feeds", "add", site.feed_url)
        env.cli("run", "--once", "--json")
    before = _articles(env)
    assert any(r["status"] == "duplicate" for r in before)

    env.cli("dedup", "rebuild")
    after_rebuild = _articles(env)
    env.cli("dedup", "rebuild")
    assert _shape(after_rebuild) == _shape(_articles(env))
    assert _shape(after_rebuild) == _shape(before)

    out = env.cli("articles", "reextract").stdout
    assert "stored=" in out
    assert _shape(_articles(env)) == _shape(before)

    stats = json.loads(env.cli("stats", "--json").stdout)["totals"]
    assert stats["stories"] == len({r["story_id"] for r in before})
    assert stats["copies"] == sum(r["status"] == "duplicate" for r in before)


ARTICLE_UK = """<!doctype html><html lang="uk"><head><meta charset="utf-8"><title>{t}</title>
<link rel="alternate" hreflang="uk" href="{base}/uk/rishennia">
<link rel="alternate" hreflang="ru" href="{base}/ru/reshenie">
<meta property="article:published_time" content="2026-03-02T10:00:00+02:00"></head><body>
<article><h1>{t}</h1>
<p>Кабінет міністрів ухвалив рішення про спрощення процедури оформлення субсидій для
переселенців, які мешкають у громадах прифронтових областей.</p>
<p>Нові правила почнуть діяти з першого квітня, повідомили у пресслужбі уряду після
засідання, на якому розглядали також питання енергетики.</p></article></body></html>"""

ARTICLE_RU = """<!doctype html><html lang="ru"><head><meta charset="utf-8"><title>{t}</title>
<link rel="alternate" hreflang="uk" href="{base}/uk/rishennia">
<link rel="alternate" hreflang="ru" href="{base}/ru/reshenie">
<meta property="article:published_time" content="2026-03-02T10:05:00+02:00"></head><body>
<article><h1>{t}</h1>
<p>Кабинет министров принял решение об упрощении процедуры оформления субсидий для
переселенцев, проживающих в громадах прифронтовых областей.</p>
<p>Новые правила начнут действовать с первого апреля, сообщили в пресс-службе правительства
после заседания, на котором рассматривали также вопросы энергетики.</p></article></body></html>"""


def test_language_versions_join_one_story_as_translations(
    env: Backend, http_server: LoopbackServer
) -> None:
    html = "text/html; charset=utf-8"
    base = http_server.base
    http_server.routes["/uk/rishennia"] = Reply(
        200,
        {"Content-Type": html},
        ARTICLE_UK.format(t="Уряд спростив оформлення субсидій", base=base).encode(),
    )
    http_server.routes["/ru/reshenie"] = Reply(
        200,
        {"Content-Type": html},
        ARTICLE_RU.format(t="Правительство упростило оформление субсидий", base=base).encode(),
    )
    http_server.routes["/feed.xml"] = xml_reply(
        rss([item(p, f"{base}{p}") for p in ("/uk/rishennia", "/ru/reshenie")])
    )
    env.cli("feeds", "add", http_server.url("/feed.xml"))
    env.cli("run", "--once", "--json")

    rows = {r["url"].rsplit("/", 1)[-1]: r for r in _articles(env)}
    uk, ru = rows["rishennia"], rows["reshenie"]
    assert uk["status"] == ru["status"] == "stored"
    assert uk["story_id"] == ru["story_id"]
    linked = [r for r in (uk, ru) if r.get("translation_of")]
    assert len(linked) == 1 and linked[0]["translation_of"] in (uk["id"], ru["id"])
    assert json.loads(env.cli("stats", "--json").stdout)["totals"]["translations"] == 1


def _page(title: str, text: str, lang: str, published: str) -> bytes:
    body = "".join(f"<p>{p}</p>" for p in text.split("\n") if p.strip())
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}'
        f'</title><meta property="article:published_time" content="{published}"></head>'
        f"<body><article><h1>{title}</h1>{body}</article></body></html>"
    ).encode()


def test_language_versions_without_hreflang_are_matched_by_their_anchors(
    env: Backend, http_server: LoopbackServer
) -> None:
    from bench.translation import load_stories

    stories = {s.name: s for s in load_stories()}
    same, other = stories["energy_dnipro"], stories["energy_imports"]
    pages = {
        "/uk/dnipro": _page("Світло повернули", same.uk, "uk", "2026-01-20T09:00:00+02:00"),
        "/ru/dnipro": _page("Свет вернули", same.ru, "ru", "2026-01-20T09:30:00+02:00"),
        "/ru/import": _page("Импорт электроэнергии", other.ru, "ru", "2026-01-20T10:00:00+02:00"),
    }
    for path, body in pages.items():
        http_server.routes[path] = Reply(200, {"Content-Type": "text/html; charset=utf-8"}, body)
    http_server.routes["/feed.xml"] = xml_reply(
        rss([item(p, f"{http_server.base}{p}") for p in pages])
    )
    env.cli("feeds", "add", http_server.url("/feed.xml"))
    env.cli("run", "--once", "--json")

    rows = {r["url"].split(":", 2)[-1].split("/", 1)[-1]: r for r in _articles(env)}
    uk, ru, unrelated = rows["uk/dnipro"], rows["ru/dnipro"], rows["ru/import"]
    assert uk["status"] == ru["status"] == unrelated["status"] == "stored"
    assert uk["story_id"] == ru["story_id"] != unrelated["story_id"]
    assert {uk.get("translation_of"), ru.get("translation_of")} - {None} in ({uk["id"]}, {ru["id"]})
