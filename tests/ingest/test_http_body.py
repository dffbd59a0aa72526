"""Decoding a body under a decoded-size cap, fed in awkward chunkings."""

from __future__ import annotations

import gzip
import zlib

import pytest

from ingest.http_body import read_capped
from ingest.http_errors import FetchError, TooLarge

TEXT = "Новини громади: засідання перенесли на 12 січня. ".encode() * 200


def pieces(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


@pytest.mark.parametrize("size", [1, 7, 4096])
@pytest.mark.parametrize(
    ("encoding", "packed"),
    [
        ("", TEXT),
        ("identity", TEXT),
        ("gzip", gzip.compress(TEXT)),
        ("deflate", zlib.compress(TEXT)),
        ("deflate", zlib.compress(TEXT)[2:-4]),
    ],
)
def test_any_chunking_gives_the_same_body(encoding: str, packed: bytes, size: int) -> None:
    assert read_capped(pieces(packed, size), encoding, len(TEXT), lambda: None) == TEXT


def test_cap_is_exact_on_decoded_bytes() -> None:
    packed = pieces(gzip.compress(TEXT), 3)
    assert read_capped(packed, "gzip", len(TEXT), lambda: None) == TEXT
    with pytest.raises(TooLarge):
        read_capped(packed, "gzip", len(TEXT) - 1, lambda: None)


def test_junk_after_a_gzip_member_is_ignored() -> None:
    assert read_capped([gzip.compress(TEXT) + b"\x00" * 16], "gzip", 10**6, lambda: None) == TEXT


def test_callback_runs_per_chunk_and_can_abort() -> None:
    seen: list[int] = []

    def tick() -> None:
        seen.append(1)
        if len(seen) == 3:
            raise FetchError("stop", reason="deadline")

    with pytest.raises(FetchError) as err:
        read_capped(pieces(TEXT, 10), "", 10**6, tick)
    assert err.value.reason == "deadline"
    assert len(seen) == 3


def test_stacked_encodings_are_refused() -> None:
    with pytest.raises(FetchError) as err:
        read_capped([gzip.compress(gzip.compress(TEXT))], "gzip, gzip", 10**6, lambda: None)
    assert err.value.reason == "bad_encoding"
