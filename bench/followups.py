"""Follow-up finder speed: median milliseconds per article over the annotated dev set.

Run from the project root: ``.venv/bin/python -m bench.followups [--shared PATH]``. The first
call builds the gazetteer and loads the morphology dictionaries; it is reported on its own, so
the median is what a warm worker pays per article.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from datetime import datetime
from pathlib import Path

from ingest.followups import find_followups
from ingest.followups.morph import analyzer, word_facts
from ingest.followups.places import gazetteer

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--shared", type=Path, default=PROJECT_ROOT.parent / "shared")
    parser.add_argument("--rounds", type=int, default=20, help="passes over the set when warm")
    args = parser.parse_args()
    path = args.shared / "eval" / "followups-dev.jsonl"
    cases = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    articles = [
        (c["text"], datetime.fromisoformat(c["published"]), c.get("language")) for c in cases
    ]

    started = time.perf_counter()
    gazetteer()
    built = time.perf_counter() - started
    started = time.perf_counter()
    analyzer("uk"), analyzer("ru")
    loaded = time.perf_counter() - started

    first: list[float] = []
    for text, published, language in articles:
        started = time.perf_counter()
        find_followups(text, published, language)
        first.append(1000 * (time.perf_counter() - started))
    word_facts.cache_clear()  # warm dictionaries, cold word cache: the honest steady state
    warm: list[float] = []
    for _ in range(args.rounds):
        for text, published, language in articles:
            started = time.perf_counter()
            find_followups(text, published, language)
            warm.append(1000 * (time.perf_counter() - started))
    chars = statistics.mean(len(text) for text, _, _ in articles)
    print(f"articles: {len(articles)} (mean {chars:.0f} characters)")
    print(f"gazetteer build: {1000 * built:.0f} ms; morphology load: {1000 * loaded:.0f} ms")
    print(f"first pass: median {statistics.median(first):.2f} ms/article, max {max(first):.1f}")
    print(
        f"warm: median {statistics.median(warm):.2f} ms/article, "
        f"p90 {statistics.quantiles(warm, n=10)[-1]:.2f}, max {max(warm):.1f}"
    )


if __name__ == "__main__":
    main()
