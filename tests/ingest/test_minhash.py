"""Our MinHash is datasketch's, value for value: signatures stored by earlier releases (made by
datasketch) and new ones must compare, so every permutation, seed and item count must agree."""

from __future__ import annotations

import random

import pytest
from datasketch import MinHash

from ingest import minhash


def _datasketch(items: set[str], count: int, seed: int) -> tuple[int, ...]:
    sketch = MinHash(num_perm=count, seed=seed, scheme="affine32")
    sketch.update_batch([item.encode("utf-8") for item in items])
    return tuple(int(v) for v in sketch.hashvalues)


def _items(n: int, rng: random.Random) -> set[str]:
    alphabet = "abcdefghijklmnopqrstuvwxyzабвгґдеєжзиіїйклмнопрстуфхцчшщьюя'’ 0123456789"
    return {"".join(rng.choices(alphabet, k=rng.randint(1, 30))) for _ in range(n)}


@pytest.mark.parametrize("count", [1, 64, 128, 200])
@pytest.mark.parametrize("seed", [1, 2, 20260105])
@pytest.mark.parametrize("size", [0, 1, 2, 37, 500, 3000])
def test_values_are_datasketchs(count: int, seed: int, size: int) -> None:
    items = _items(size, random.Random(size * 1000 + seed))
    assert minhash.minhash(items, count, seed) == _datasketch(items, count, seed)


def test_an_empty_set_has_the_largest_value_everywhere() -> None:
    assert minhash.minhash([], 4, 1) == (minhash.EMPTY,) * 4 == (2**32 - 1,) * 4


def test_order_and_repeats_do_not_matter() -> None:
    items = sorted(_items(100, random.Random(7)))
    once = minhash.minhash(items, 32, 1)
    assert minhash.minhash(reversed(items), 32, 1) == once
    assert minhash.minhash(items + items[:10], 32, 1) == once
