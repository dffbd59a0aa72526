"""MinHash signatures, value for value those of datasketch's ``MinHash`` (scheme ``affine32``).

datasketch computes them in a few NumPy operations, but importing it loads its LSH classes and
through them SciPy: a quarter of a second of CPU in every extraction process start, for none of
which vistka has a use (band keys live in the database, see ``ingest.dedup``). This is the part
vistka uses: SHA-1 of each item (its first four bytes, little-endian), premixed with the
MurmurHash3 finalizer, then ``a·h + b mod 2³²`` per permutation with ``a`` odd, drawn from
``numpy.random.RandomState(seed)`` in datasketch's order. Signatures stored by earlier releases,
which used datasketch itself, stay comparable: a test holds the two equal.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from functools import lru_cache

import numpy as np
import numpy.typing as npt

U32 = npt.NDArray[np.uint32]

EMPTY = 0xFFFFFFFF  # the value of a permutation over no items


@lru_cache(maxsize=8)
def permutations(count: int, seed: int) -> tuple[U32, U32]:
    """The (a, b) of ``count`` affine permutations, as datasketch draws them for ``seed``."""
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, count, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, count, dtype=np.uint32)
    return a, b


def item_hashes(items: Iterable[str]) -> U32:
    """32-bit hashes of the items: SHA-1's first four bytes, then the finalizer's avalanche."""
    digests = b"".join(hashlib.sha1(item.encode("utf-8")).digest()[:4] for item in items)
    h = np.frombuffer(digests, dtype="<u4").astype(np.uint32)
    h ^= h >> np.uint32(16)
    h *= np.uint32(0x85EBCA6B)
    h ^= h >> np.uint32(13)
    h *= np.uint32(0xC2B2AE35)
    h ^= h >> np.uint32(16)
    return h


def minhash(items: Iterable[str], count: int, seed: int) -> tuple[int, ...]:
    """The ``count`` minimum permuted hashes of a set of items."""
    hashes = item_hashes(items)
    if not len(hashes):
        return (EMPTY,) * count
    a, b = permutations(count, seed)
    permuted = hashes[:, np.newaxis] * a + b  # uint32 arithmetic: wraps modulo 2³²
    return tuple(permuted.min(axis=0).tolist())
