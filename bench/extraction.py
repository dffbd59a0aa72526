"""Extraction quality against the shared corpus: plain trafilatura vs vistka's cleaner.

Token F1 as the corpus defines it: bag of lower-cased ``\\w+`` tokens, F1 over the multiset
intersection, mean over pages. For the loopback site every page of the host is first
fingerprinted, then each is cleaned with the host's counts: what the pipeline sees once the
host's first pages are in.

    .venv/bin/python -m bench.extraction [--shared PATH]
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import trafilatura
from trafilatura.utils import decode_file

from ingest.boilerplate import HostStats, fingerprints, strip_boilerplate
from ingest.extract import Extracted, ExtractionError, extract_article

SITE_BASE = "http://127.0.0.1:8765"
LOW_F1 = 0.8
_TOKEN = re.compile(r"\w+")


def token_f1(extracted: str, gold: str) -> float:
    got, want = Counter(_TOKEN.findall(extracted.lower())), Counter(_TOKEN.findall(gold.lower()))
    if not got or not want:
        return float(got == want)
    common = sum((got & want).values())
    if not common:
        return 0.0
    precision, recall = common / sum(got.values()), common / sum(want.values())
    return 2 * precision * recall / (precision + recall)


@dataclass(frozen=True)
class GoldPage:
    name: str
    html: str
    url: str
    text: str
    title: str | None = None
    date: str | None = None
    author: str | None = None


@dataclass
class SetReport:
    name: str
    plain: list[float] = field(default_factory=list)
    vistka: list[float] = field(default_factory=list)
    page_only: list[float] = field(default_factory=list)
    checks: dict[str, list[bool]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    @staticmethod
    def mean(values: list[float]) -> float:
        return sum(values) / len(values) if values else float("nan")

    @staticmethod
    def low_share(values: list[float]) -> float:
        return sum(v < LOW_F1 for v in values) / len(values) if values else float("nan")

    def accuracy(self, check: str) -> float:
        return self.mean([float(ok) for ok in self.checks.get(check, [])])


def _same(a: str | None, b: str | None) -> bool:
    return (
        a is not None
        and b is not None
        and " ".join(a.split()).lower() == " ".join(b.split()).lower()
    )


def _metadata_checks(report: SetReport, page: GoldPage, ex: Extracted | None) -> None:
    if page.title is not None:
        report.checks.setdefault("title", []).append(ex is not None and _same(ex.title, page.title))
    if page.date is not None:
        day = ex.published_at.date().isoformat() if ex and ex.published_at else None
        report.checks.setdefault("date", []).append(day == page.date[:10])
    if page.author is not None:
        report.checks.setdefault("author", []).append(
            ex is not None and _same(ex.author, page.author)
        )


def site_pages(root: Path) -> Iterator[GoldPage]:
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    pages = {a["page"]: a["gold"] for a in manifest["articles"]}
    for dup in manifest["duplicates"]:
        pages.setdefault(dup["copy_page"], f"gold/{Path(dup['copy_page']).stem}.json")
    for page, gold_name in pages.items():
        gold = json.loads((root / gold_name).read_text(encoding="utf-8"))
        html = (root / page).read_text(encoding="utf-8").replace("{{BASE}}", SITE_BASE)
        url = gold.get("url", "").replace("{{BASE}}", SITE_BASE) or f"{SITE_BASE}/{page}"
        yield GoldPage(
            page, html, url, gold["text"], gold.get("title"), gold.get("date"), gold.get("author")
        )


def benchmark_pages(root: Path) -> Iterator[GoldPage]:
    for line in (root / "gold.jsonl").read_text(encoding="utf-8").splitlines():
        gold = json.loads(line)
        raw = gzip.decompress((root / gold["page"]).read_bytes())
        yield GoldPage(gold["id"], decode_file(raw), gold["url"], gold["text"])


def cyrillic_pages(root: Path) -> Iterator[GoldPage]:
    for meta in sorted(root.glob("*.json")):
        if meta.name == "INDEX.json":
            continue
        gold = json.loads(meta.read_text(encoding="utf-8"))
        page = meta.with_suffix(".html")
        if not gold.get("text") or not page.exists():
            continue
        yield GoldPage(
            meta.stem,
            decode_file(page.read_bytes()),
            gold.get("url") or "",
            gold["text"],
            gold.get("title"),
            gold.get("date"),
            gold.get("author"),
        )


def _extract(page: GoldPage, report: SetReport) -> Extracted | None:
    try:
        return extract_article(page.html, page.url)
    except ExtractionError as error:
        report.failures.append(f"{page.name}: {error.reason}")
        return None


def measure(name: str, pages: list[GoldPage], one_host: bool) -> SetReport:
    """Score both extractors on ``pages``; ``one_host`` applies learned boilerplate."""
    report = SetReport(name)
    extracted = [_extract(page, report) for page in pages]
    counts: Counter[str] = Counter()
    if one_host:
        for ex in extracted:
            counts.update(fingerprints(ex.text) if ex else [])
    for page, ex in zip(pages, extracted, strict=True):
        report.plain.append(token_f1(trafilatura.extract(page.html) or "", page.text))
        text = ex.text if ex else ""
        report.page_only.append(token_f1(text, page.text))
        if ex and one_host:
            fps = fingerprints(ex.text)
            stats = HostStats(len(pages), {fp: counts[fp] for fp in fps})
            text = strip_boilerplate(ex.text, stats)
        report.vistka.append(token_f1(text, page.text))
        _metadata_checks(report, page, ex)
    return report


def run(shared: Path) -> list[SetReport]:
    corpus = shared / "corpus"
    reports = [
        measure("site", list(site_pages(corpus / "site")), one_host=True),
        measure(
            "extraction-benchmark",
            list(benchmark_pages(corpus / "extraction-benchmark")),
            one_host=False,
        ),
    ]
    cyrillic = list(cyrillic_pages(corpus / "articles-cyrillic"))
    if cyrillic:
        reports.append(measure("articles-cyrillic", cyrillic, one_host=False))
    return reports


def render(reports: list[SetReport]) -> str:
    rows = [
        f"{'set':<22}{'pages':>6}{'plain F1':>10}{'page-only':>11}{'vistka F1':>11}"
        f"{'plain<0.8':>11}"
        f"{'vistka<0.8':>12}{'title':>8}{'date':>8}{'author':>8}"
    ]
    for r in reports:
        checks = "".join(
            f"{r.accuracy(c):>8.1%}" if r.checks.get(c) else f"{'-':>8}"
            for c in ("title", "date", "author")
        )
        rows.append(
            f"{r.name:<22}{len(r.plain):>6}{r.mean(r.plain):>10.3f}{r.mean(r.page_only):>11.3f}"
            f"{r.mean(r.vistka):>11.3f}"
            f"{r.low_share(r.plain):>11.1%}{r.low_share(r.vistka):>12.1%}{checks}"
        )
        rows.extend(f"  extraction failed: {f}" for f in r.failures)
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = Path(__file__).resolve().parent.parent.parent / "shared"
    parser.add_argument("--shared", type=Path, default=default, help="shared material (../shared)")
    args = parser.parse_args(argv)
    if not (args.shared / "corpus").is_dir():
        print(f"no corpus under {args.shared}", file=sys.stderr)
        return 2
    print(render(run(args.shared)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
