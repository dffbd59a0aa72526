"""uk↔ru translation benchmark: precision and recall of the anchor rule through LSH, and a sweep.

Run from the project root: ``.venv/bin/python -m bench.translation``. The evaluation set is the
hand-written stories in tests/ingest/fixtures/translations, one file per story with its uk and
ru versions and a topic cluster. Positives are the two versions of each story; hard negatives
are the uk version of one story against the ru version of another story in the same cluster
(same minister, same city, same institution, a few days apart, sometimes the same date);
every other cross-story pair is an easy negative. A pair counts as found only when the two
signatures share an "x" band key and the similarity reaches the threshold. Host and time gates
are left out here: every pair is scored as if published on one site within a day, which is the
hard case.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

from ingest.dedup import Signature
from ingest.translation import (
    TRANSLATION_THRESHOLD,
    translation_band_keys,
    translation_score,
    translation_signature,
)

FIXTURES = Path(__file__).resolve().parent.parent / "tests/ingest/fixtures/translations"


@dataclass(frozen=True)
class Story:
    name: str
    cluster: str
    uk: str
    ru: str


@dataclass(frozen=True)
class Pair:
    kind: str  # "positive", "hard", "easy"
    left: str  # story names: uk version of left, ru version of right
    right: str
    score: float
    banded: bool


def load_stories(folder: Path = FIXTURES) -> list[Story]:
    """Each file: a "cluster: …" line, then "=== uk" and "=== ru" sections."""
    stories = []
    for path in sorted(folder.glob("*.txt")):
        head, body = path.read_text(encoding="utf-8").split("=== uk\n", 1)
        uk, ru = body.split("=== ru\n", 1)
        cluster = head.strip().removeprefix("cluster:").strip()
        stories.append(Story(path.stem, cluster, uk.strip(), ru.strip()))
    return stories


def score_pairs(stories: list[Story]) -> list[Pair]:
    sigs: dict[tuple[str, str], Signature | None] = {}
    for st in stories:
        sigs[st.name, "uk"] = translation_signature(st.uk, "uk")
        sigs[st.name, "ru"] = translation_signature(st.ru, "ru")
    pairs = []
    for a, b in itertools.product(stories, repeat=2):
        kind = "positive" if a is b else "hard" if a.cluster == b.cluster else "easy"
        sa, sb = sigs[a.name, "uk"], sigs[b.name, "ru"]
        if sa is None or sb is None:
            pairs.append(Pair(kind, a.name, b.name, 0.0, False))
            continue
        banded = bool(set(translation_band_keys(sa)) & set(translation_band_keys(sb)))
        pairs.append(Pair(kind, a.name, b.name, translation_score(sa, sb), banded))
    return pairs


def rates(pairs: list[Pair], threshold: float) -> tuple[float, float, int, int]:
    """Precision, recall, false positives and missed positives at a threshold, through LSH."""
    found = [p for p in pairs if p.banded and p.score >= threshold]
    true = sum(p.kind == "positive" for p in found)
    positives = sum(p.kind == "positive" for p in pairs)
    precision = true / len(found) if found else 1.0
    recall = true / positives if positives else 0.0
    return precision, recall, len(found) - true, positives - true


def main() -> None:
    stories = load_stories()
    pairs = score_pairs(stories)
    counts = {k: sum(p.kind == k for p in pairs) for k in ("positive", "hard", "easy")}
    print(f"{len(stories)} stories; pairs: {counts}")
    for kind in ("positive", "hard", "easy"):
        scores = sorted(p.score for p in pairs if p.kind == kind)
        print(
            f"  {kind:8} min {scores[0]:.3f}  median {scores[len(scores) // 2]:.3f}  "
            f"max {scores[-1]:.3f}"
        )
    worst_neg = max((p for p in pairs if p.kind != "positive"), key=lambda p: p.score)
    worst_pos = min((p for p in pairs if p.kind == "positive"), key=lambda p: p.score)
    print(f"  highest negative: uk {worst_neg.left} × ru {worst_neg.right} {worst_neg.score:.3f}")
    print(f"  lowest positive:  {worst_pos.left} {worst_pos.score:.3f}")
    print("threshold  precision  recall  false+  missed")
    for step in range(20, 85, 5):
        t = step / 100
        precision, recall, fp, fn = rates(pairs, t)
        mark = "  <- TRANSLATION_THRESHOLD" if abs(t - TRANSLATION_THRESHOLD) < 1e-9 else ""
        print(f"  {t:.2f}      {precision:.3f}      {recall:.3f}   {fp:5d}  {fn:6d}{mark}")


if __name__ == "__main__":
    main()
