"""Kept pages: written as Zstandard frames, read back in either format, damage reported as such."""

from __future__ import annotations

import zlib

import pytest

from storage.raw_pages import ZSTD_MAGIC, CorruptPage, pack, unpack

PAGE = "<html><body>" + "<p>Рада ухвалила бюджет мосту; the council approved it.</p>" * 400
BODY = (PAGE + "</body></html>").encode("utf-8")


def test_a_page_is_kept_smaller_as_a_zstandard_frame_and_read_back_whole() -> None:
    kept = pack(BODY)
    assert kept.startswith(ZSTD_MAGIC)
    assert len(kept) < len(BODY) // 10
    assert unpack(kept) == BODY
    assert unpack(pack(b"")) == b""


def test_a_zlib_stream_of_an_earlier_release_reads_back() -> None:
    assert unpack(zlib.compress(BODY, 1)) == BODY
    assert unpack(zlib.compress(BODY, 9)) == BODY


@pytest.mark.parametrize(
    "damaged",
    [
        b"not a page at all",
        pack(BODY)[:-40],  # a frame cut short
        zlib.compress(BODY)[:-40],
        ZSTD_MAGIC + b"\x00" * 12,
    ],
)
def test_damaged_bytes_raise_corrupt_page(damaged: bytes) -> None:
    with pytest.raises(CorruptPage):
        unpack(damaged)
