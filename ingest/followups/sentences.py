"""Sentence splitting that survives the abbreviations of dates and places.

General-purpose splitters cut "15 лют. 2026 р." and "Jan. 15" in two, and then the date
loses either its month or its tense. This splitter only breaks after ., ! , ? or … when the
next sentence visibly starts (a capital letter, a digit or an opening quote) and the word
before the stop is not a known abbreviation or an initial ("К. Буданов").
"""

from __future__ import annotations

import re
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
_WORD_AT_END = re.compile(r"(\w+)$")


@dataclass(frozen=True)
class Sentence:
    text: str
    start: int  # offset of ``text`` in the article


def split_sentences(text: str) -> list[Sentence]:
    """Sentences of ``text`` with their offsets; a line break always ends a sentence."""
    sentences: list[Sentence] = []
    for line in re.finditer(r"[^\n]+", text):
        start = line.start()
        for piece_start, piece_end in _pieces(line.group(0)):
            piece = line.group(0)[piece_start:piece_end]
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
    following = line[match.end() :].lstrip('"«„“(')
    if match.group(1) != ".":
        return True
    word = _WORD_AT_END.search(line[: match.start()])
    if word is None:
        return True
    token = word.group(1)
    if token.casefold() in _ABBREVIATIONS:
        return False
    if len(token) == 1 and token.isupper() and token.isalpha():
        return False  # an initial
    return not following[:1].islower()
