"""Near-duplicate benchmark: precision and recall through the LSH step, a sweep, and lookup cost.

Run from the project root: ``.venv/bin/python -m bench.dedup [--shared PATH]``. A pair counts as
found only when the two texts share a band key (what the storage's band table returns) and the
containment rule accepts it; the brute-force column applies the rule to every pair, so the gap
between the two is what the banding loses.
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import numpy as np

from bench.dedup_pairs import Pair, generate_pairs
from ingest.dedup import (
    NEAR_DUPLICATE_THRESHOLD,
    Signature,
    band_keys,
    containment,
    signature,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def score_pairs(pairs: list[Pair]) -> list[tuple[Pair, float, bool]]:
    """Each pair with its containment score and whether LSH makes it a candidate."""
    cache: dict[str, tuple[Signature, set[str]]] = {}

    def sig(text: str) -> tuple[Signature, set[str]]:
        if text not in cache:
            s = signature(text)
            cache[text] = (s, set(band_keys(s)))
        return cache[text]

    scored = []
    for pair in pairs:
        (a, keys_a), (b, keys_b) = sig(pair.left), sig(pair.right)
        scored.append((pair, containment(a, b), bool(keys_a & keys_b)))
    return scored


def rates(
    scored: list[tuple[Pair, float, bool]], threshold: float, lsh: bool = True
) -> tuple[float, float]:
    """Precision and recall over the scored pairs at one threshold."""
    tp = fp = fn = 0
    for pair, score, candidate in scored:
        found = score >= threshold and (candidate or not lsh)
        tp += found and pair.duplicate
        fp += found and not pair.duplicate
        fn += pair.duplicate and not found
    return tp / ((tp + fp) or 1), tp / ((tp + fn) or 1)


def report(scored: list[tuple[Pair, float, bool]], threshold: float) -> None:
    groups: dict[str, list[tuple[Pair, float, bool]]] = defaultdict(list)
    for item in scored:
        groups[item[0].kind].append(item)
    print(f"\nAt NEAR_DUPLICATE_THRESHOLD = {threshold} (found = shares a band key and passes):")
    print(f"{'group':28} {'pairs':>6} {'found':>7} {'brute':>7}  (share judged duplicate)")
    for name in sorted(groups, key=lambda n: (n.startswith("lang"), n.startswith("neg"), n)):
        items = groups[name]
        found = sum(s >= threshold and c for _, s, c in items) / len(items)
        brute = sum(s >= threshold for _, s, _c in items) / len(items)
        print(f"{name:28} {len(items):6d} {found:7.3f} {brute:7.3f}")
    for language in sorted({p.language for p, _s, _c in scored}):
        precision, recall = rates([i for i in scored if i[0].language == language], threshold)
        print(f"language {language}: precision {precision:.4f}  recall {recall:.4f}")
    precision, recall = rates(scored, threshold)
    print(f"overall: precision {precision:.4f}  recall {recall:.4f}  (through LSH)")


def sweep(scored: list[tuple[Pair, float, bool]]) -> None:
    print("\nthreshold  precision  recall(LSH)  recall(brute)")
    for step in range(6, 19):
        threshold = step / 20
        precision, recall = rates(scored, threshold)
        _, brute = rates(scored, threshold, lsh=False)
        print(f"{threshold:9.2f}  {precision:9.4f}  {recall:11.4f}  {brute:13.4f}")


def _digest(key: str) -> int:
    return int(key.split(":", 1)[1], 16)


def lookup_cost(size: int, queries: int = 2000, seed: int = 7) -> tuple[float, float]:
    """µs per lookup (band keys, index probe, candidate comparison) and candidates per lookup.

    ``size`` synthetic signatures of random values. Their band digests are therefore uniform
    64-bit values, drawn directly for all but the entries the queries copy (those are hashed
    by band_keys itself): a dict of 58 million string keys would need over 10 GB. Each band is a
    sorted digest array probed by binary search, the stand-in for the band table's B-tree.
    Half the queries are copies of indexed signatures with a quarter of their values replaced,
    half are new signatures.
    """
    rng = np.random.default_rng(seed)
    like = signature("a b c d e f g h i j k l m n o p q r s t u v w x y z")
    width = len(like.values) + len(like.lead)
    table = rng.integers(0, 2**32, size=(size, width), dtype=np.uint32)
    n_keys = len(band_keys(like))
    digests = rng.integers(0, 2**63, size=(n_keys, size), dtype=np.uint64)
    targets = rng.choice(size, size=queries // 2, replace=False)
    for article_id in targets:
        for band, key in enumerate(band_keys(_as_signature(table[article_id], like))):
            digests[band, article_id] = _digest(key)
    order = np.argsort(digests, axis=1)
    sorted_digests = np.take_along_axis(digests, order, axis=1)
    probes = []
    for i in range(queries):
        if i % 2:
            row = table[targets[i // 2]].copy()
            mask = rng.random(width) < 0.25
            row[mask] = rng.integers(0, 2**32, size=int(mask.sum()), dtype=np.uint32)
        else:
            row = rng.integers(0, 2**32, size=width, dtype=np.uint32)
        probes.append(_as_signature(row, like))
    candidates = 0
    start = time.perf_counter()
    for probe in probes:
        ids: set[int] = set()
        for band, key in enumerate(band_keys(probe)):
            digest = np.uint64(_digest(key))
            lo = np.searchsorted(sorted_digests[band], digest, side="left")
            hi = np.searchsorted(sorted_digests[band], digest, side="right")
            ids.update(order[band, lo:hi].tolist())
        candidates += len(ids)
        for article_id in ids:
            containment(probe, _as_signature(table[article_id], like))
    elapsed = time.perf_counter() - start
    return elapsed / queries * 1e6, candidates / queries


def _as_signature(row: np.ndarray, like: Signature) -> Signature:
    n = len(like.values)
    return Signature(tuple(row[:n].tolist()), tuple(row[n:].tolist()), like.size, like.lead_size)


def corpus_candidates(pairs: list[Pair]) -> float:
    """Mean candidates per lookup when every text of the evaluation is in one band index."""
    texts = sorted({p.left for p in pairs} | {p.right for p in pairs})
    keys = [band_keys(signature(t)) for t in texts]
    index: dict[str, set[int]] = defaultdict(set)
    for i, ks in enumerate(keys):
        for k in ks:
            index[k].add(i)
    return sum(len(set().union(*(index[k] for k in ks)) - {i}) for i, ks in enumerate(keys)) / len(
        keys
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--shared", type=Path, default=PROJECT_ROOT.parent / "shared")
    parser.add_argument("--seed", type=int, default=20260105)
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 1_000_000])
    args = parser.parse_args(argv)
    timer: Callable[[], float] = time.perf_counter
    start = timer()
    pairs = generate_pairs(args.shared, seed=args.seed)
    scored = score_pairs(pairs)
    positives = sum(p.duplicate for p in pairs)
    print(f"{len(pairs)} pairs ({positives} duplicates) from {args.shared}, seed {args.seed}")
    report(scored, NEAR_DUPLICATE_THRESHOLD)
    sweep(scored)
    print(
        f"\ncandidates per lookup, all {len(pairs)} pairs' texts indexed: "
        f"{corpus_candidates(pairs):.2f}"
    )
    for size in args.sizes:
        micros, candidates = lookup_cost(size)
        print(
            f"lookup cost at {size:>9,} indexed: {micros:8.1f} µs, "
            f"{candidates:.2f} candidates per lookup"
        )
    print(f"({timer() - start:.0f} s)")


if __name__ == "__main__":
    main()
