"""Sentence splitting that survives the abbreviations of dates and places.

General-purpose splitters cut "15 лют. 2026 р." and "Jan. 15" in two, and then the date
loses either its month or its tense. This splitter only breaks after ., ! , ? or … when the
next sentence visibly starts (a capital letter, a digit or an opening quote) and the word
before the stop is not a known abbreviation or an initial ("К. Буданов").
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass

from ingest.followups.lexicon import words

_ABBREVIATIONS = words(
    """
    січ лют бер квіт трав черв лип серп вер жовт лист груд
    янв фев февр мар апр июн июл авг сент окт нояб дек
    jan feb mar apr jun jul aug sep sept oct nov dec
    р рр г гг м ст вул пл просп обл адм ім див мін тис млн млрд грн дол коп п пп
    ул им тыс руб т см напр etc
    mr mrs ms dr st gen col lt sen rep gov prof no vs inc ltd co jr sr u s
    """
)
_BOUNDARY = re.compile(r"([.!?…]+)([\"»”)]*)(\s+)(?=[\"«„“(]?[\w])")


@dataclass(frozen=True)
class Sentence:
    text: str
    start: int  # offset of ``text`` in the article


def split_sentences(text: str, around: Sequence[int] | None = None) -> list[Sentence]:
    """Sentences of ``text`` with their offsets; a line break always ends a sentence.

    With ``around`` (offsets in ascending order), only the sentences holding one of them, and
    only their lines are split: where a line breaks never depends on the lines around it.
    """
    if around is None:
        return [
            sentence
            for line in re.finditer(r"[^\n]+", text)
            for sentence in _line_sentences(line.group(0), line.start())
        ]
    sentences: list[Sentence] = []
    line_end = -1
    for offset in around:
        if offset < line_end:
            continue  # its line is split already
        line_start = text.rfind("\n", 0, offset) + 1
        line_end = text.find("\n", offset)
        if line_end < 0:
            line_end = len(text)
        for sentence in _line_sentences(text[line_start:line_end], line_start):
            first = bisect_left(around, sentence.start)
            if first < len(around) and around[first] < sentence.start + len(sentence.text):
                sentences.append(sentence)
    return sentences


def _line_sentences(line: str, start: int) -> list[Sentence]:
    sentences = []
    for piece_start, piece_end in _pieces(line):
        piece = line[piece_start:piece_end]
        stripped = piece.strip()
        if stripped:
            offset = start + piece_start + piece.index(stripped)
            sentences.append(Sentence(stripped, offset))
    return sentences


def _pieces(line: str) -> list[tuple[int, int]]:
    pieces: list[tuple[int, int]] = []
    begin = 0
    for match in _BOUNDARY.finditer(line):
        if not _ends_sentence(line, match):
            continue
        cut = match.end(2)
        pieces.append((begin, cut))
        begin = match.end()
    pieces.append((begin, len(line)))
    return pieces


def _ends_sentence(line: str, match: re.Match[str]) -> bool:
    # The boundary's look-ahead lets at most one quote come before the next word character, so
    # two characters say what follows; slicing to the end of a long line made every stop cost
    # the length of the line.
    following = line[match.end() : match.end() + 2].lstrip('"«„“(')
    if match.group(1) != ".":
        return True
    token = _word_before(line, match.start())
    if not token:
        return True
    if token.casefold() in _ABBREVIATIONS:
        return False
    if len(token) == 1 and token.isupper() and token.isalpha():
        return False  # an initial
    return not following[:1].islower()


def _word_before(line: str, end: int) -> str:
    """The run of word characters (``\\w``: alphanumeric or "_") that ends at ``end``, read
    backwards: a regular expression would search the whole line before it."""
    start = end
    while start > 0 and (line[start - 1].isalnum() or line[start - 1] == "_"):
        start -= 1
    return line[start:end]
