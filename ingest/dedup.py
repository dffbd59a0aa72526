"""Exact and near-duplicate fingerprints of article texts, and the LSH band keys that find them.

The same story reaches us in several shapes: another outlet's template around it (a few different
boilerplate lines), a paragraph added or dropped, a new headline, an attribution prepended, or a
feed's copy cut to the first paragraphs. A short copy of a long text has a low Jaccard
similarity but is almost wholly contained in the original, so the rule is containment of the
smaller text in the larger one, estimated from two MinHash signatures: one over the whole text
and one over its lead (the first words), which is where truncated and re-templated copies still
agree. Both are banded for LSH, so a lookup reads a fixed number of band keys whatever the size
of the index. Different reports of one event share names and dates but hardly any three-word
sequence, which is what keeps them apart.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass

import numpy as np

from ingest import minhash
from ingest.dedup_text import content_hash, normalize_text, normalized_hash, shingles, words

__all__ = [
    "NEAR_DUPLICATE_THRESHOLD",
    "Signature",
    "band_keys",
    "containment",
    "content_hash",
    "fingerprint",
    "is_near_duplicate",
    "normalize_text",
    "signature",
    "similarity",
]

SHINGLE_WORDS = 3
WHOLE_PERMUTATIONS = 128
LEAD_PERMUTATIONS = 64
LEAD_WORDS = 40
# Lines this short are template furniture (share buttons, tags, breadcrumbs, photo credits), not
# article paragraphs; dropped unless they are most of the text.
MIN_LINE_WORDS = 5
# (bands, rows) per signature: whole 42×3 (S-curve midpoint J≈0.29), lead 16×4 (J≈0.5).
WHOLE_BANDS = (42, 3)
LEAD_BANDS = (16, 4)
# Containment of the smaller text at which two texts are one story. bench.dedup, seeds 1-3 and
# 20260105 (about 1,750 positive and 1,900 negative pairs each), through LSH: at 0.70 precision
# 0.9994-1.0, recall 0.995-0.997 (Ukrainian 0.960-0.992); at 0.60 a negative slips in on three
# of the four seeds; at 0.75 Ukrainian recall falls to 0.967 (short items whose two copies both
# carry boilerplate). Other outlets' own text on the same event stays below 0.35.
NEAR_DUPLICATE_THRESHOLD = 0.7
# Below this many shingles a text is too short for containment to mean anything.
MIN_CONTAINMENT_SHINGLES = 6

_SEED = 1
_FORMAT = struct.Struct("<BHHII")
_VERSION = 1


@dataclass(frozen=True)
class Signature:
    """MinHash values of the whole text, then of its lead, and the shingle counts of both."""

    values: tuple[int, ...]
    lead: tuple[int, ...] = ()
    size: int = 0
    lead_size: int = 0

    def to_bytes(self) -> bytes:
        header = _FORMAT.pack(_VERSION, len(self.values), len(self.lead), self.size, self.lead_size)
        return header + np.asarray(self.values + self.lead, dtype="<u4").tobytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> Signature:
        version, n_values, n_lead, size, lead_size = _FORMAT.unpack_from(data)
        if version != _VERSION:
            raise ValueError(f"unknown signature format {version}")
        values = np.frombuffer(data, dtype="<u4", offset=_FORMAT.size).tolist()
        if len(values) != n_values + n_lead:
            raise ValueError("truncated signature")
        return cls(tuple(values[:n_values]), tuple(values[n_values:]), size, lead_size)


def _content_words(normalized: str) -> list[str]:
    lines = [words(line) for line in normalized.splitlines()]
    total = sum(len(line) for line in lines)
    kept = [line for line in lines if len(line) >= MIN_LINE_WORDS]
    if sum(len(line) for line in kept) * 2 < total:
        kept = lines
    return [word for line in kept for word in line]


def _minhash(items: set[str], permutations: int) -> tuple[int, ...]:
    return minhash.minhash(items, permutations, _SEED)


def signature(text: str) -> Signature:
    """MinHash of the word 3-gram shingles of the normalised text, whole and lead."""
    return _signature(normalize_text(text))


def fingerprint(text: str) -> tuple[str, Signature]:
    """``content_hash`` and ``signature`` of a text, which is normalised once for both."""
    normalized = normalize_text(text)
    return normalized_hash(normalized), _signature(normalized)


def _signature(normalized: str) -> Signature:
    tokens = _content_words(normalized)
    whole = shingles(tokens, SHINGLE_WORDS)
    lead = shingles(tokens[:LEAD_WORDS], SHINGLE_WORDS)
    return Signature(
        _minhash(whole, WHOLE_PERMUTATIONS),
        _minhash(lead, LEAD_PERMUTATIONS),
        len(whole),
        len(lead),
    )


def _bands(prefix: str, values: tuple[int, ...], bands: int, rows: int) -> list[str]:
    packed = np.asarray(values, dtype="<u4").tobytes()
    step = rows * 4
    return [
        f"{prefix}{band}:"
        + hashlib.blake2b(packed[band * step : (band + 1) * step], digest_size=8).hexdigest()
        for band in range(min(bands, len(values) // rows))
    ]


def band_keys(sig: Signature) -> list[str]:
    """LSH band keys ("w3:…" whole-text bands, "l3:…" lead bands); stable across processes."""
    if sig.size == 0:
        return []
    return _bands("w", sig.values, *WHOLE_BANDS) + _bands("l", sig.lead, *LEAD_BANDS)


def _jaccard(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    if not a or len(a) != len(b):
        return 0.0
    return float(np.count_nonzero(np.asarray(a) == np.asarray(b))) / len(a)


def similarity(a: Signature, b: Signature) -> float:
    """Estimated Jaccard similarity of the two texts' shingle sets."""
    return _jaccard(a.values, b.values) if a.size and b.size else 0.0


def _contained(jaccard: float, size_a: int, size_b: int) -> float:
    smaller = min(size_a, size_b)
    if smaller < MIN_CONTAINMENT_SHINGLES:
        return jaccard
    shared = jaccard * (size_a + size_b) / (1.0 + jaccard)
    return min(1.0, shared / smaller)


def containment(a: Signature, b: Signature) -> float:
    """Estimated share of the smaller text's shingles found in the larger one, whole or lead.

    Too-short texts fall back to Jaccard: a handful of shingles is contained in too much.
    """
    if not (a.size and b.size):
        return 0.0
    whole = _contained(_jaccard(a.values, b.values), a.size, b.size)
    lead = _contained(_jaccard(a.lead, b.lead), a.lead_size, b.lead_size)
    return max(whole, lead)


def is_near_duplicate(a: Signature, b: Signature) -> bool:
    """The rule the band keys serve: containment at or above NEAR_DUPLICATE_THRESHOLD."""
    return containment(a, b) >= NEAR_DUPLICATE_THRESHOLD
