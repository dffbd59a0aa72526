"""Tense for the tracker: does a sentence report an event, or announce it again?

A later article about a planned meeting is evidence that the meeting took place only when it
speaks in the past ("зустрілися", "состоялась", "met") or says it is under way today; a
sentence that repeats the plan ("заявив, що зустріч відбудеться") or reports a cancellation
is not. pymorphy3 gives the tense of uk and ru verbs; English gets a short word list and the
"-ed" ending. Speech verbs ("заявив", "сообщил", "said") are ignored: they are past even
when the news is a plan.
"""

from __future__ import annotations

from ingest.tracking_words import (
    fold,
    folded_set,
    guess_language,
    is_cyrillic,
    parses,
    word_set,
    words,
)

_TODAY = frozenset({"сьогодні", "нині", "сегодня", "today", "tonight"})
_YESTERDAY = frozenset({"вчора", "учора", "вчера", "yesterday"})
# "не" negates the verb right after it; an English negation is taken to cover the sentence.
_NEGATION = frozenset({"не"})
_NEGATION_EN = frozenset({"not", "never", "no"})
# Lemmas that undo a report: the event moved or was called off.
_CHANGE = folded_set(
    """скасувати скасований скасування перенести перенесений відкласти відкладений
    отменить отмененный отмена перенести перенесенный отложить отложенный"""
)
_CHANGE_EN = frozenset({"cancelled", "canceled", "postponed", "rescheduled", "delayed"})
# Lemmas that mark an announcement (future or planned), whatever the verb's tense.
_PLAN = folded_set(
    """запланувати запланований планувати планований планується очікуватися
    призначити призначений майбутній анонсувати збиратися
    запланировать запланированный планировать планироваться ожидаться назначить
    назначенный предстоящий наметить намеченный"""
)
_PLAN_EN = frozenset(
    {"will", "shall", "'ll", "scheduled", "expected", "slated", "upcoming", "planned", "plans"}
)
# Past verbs that say who spoke, not what happened ("заявив, що зустріч відбудеться").
_SPEECH = folded_set(
    """заявити повідомити повідомлятися сказати зазначити додати наголосити
    підкреслити оголосити розповісти написати нагадати уточнити пообіцяти домовитися
    погодитися стати
    заявить сообщить сообщаться сказать отметить добавить подчеркнуть объявить рассказать
    написать напомнить уточнить пообещать договориться согласиться стать"""
)
# Present-tense verbs that say the event is under way ("у Парижі триває саміт").
_ONGOING = folded_set(
    """тривати проходити відбуватися продовжуватися
    проходить продолжаться происходить идти"""
)
_PAST_EN = word_set(
    """met held took began begun opened spoke came went gave made sat brought was were
    gathered ended closed concluded discussed signed wrapped"""
)
_NOT_PAST_EN = word_set(
    """said announced reported stated added noted confirmed agreed scheduled planned expected
    united hundred proceed succeed exceed indeed need feed speed seed breed embed"""
)


def _verb_evidence(word: str, language: str) -> str | None:
    """ "past", "future", "ongoing", "plan", "change" or None for one Cyrillic word."""
    found = parses(word, language)
    normal, tag = found[0]
    lemma = fold(normal)
    if lemma in _CHANGE:
        return "change"
    if lemma in _PLAN:
        return "plan"
    verbs = [t for _, t in found if t.startswith("VERB")]
    if not tag.startswith("VERB"):
        return None
    if "past" in tag:
        return None if lemma in _SPEECH else "past"
    if verbs and all("futr" in t for t in verbs):
        return "future"
    if lemma in _ONGOING and any("pres" in t for t in verbs):
        return "ongoing"
    return None


def _english_evidence(word: str, previous: str) -> str | None:
    w = word.lower()
    if w in _CHANGE_EN or (w == "off" and previous in ("called", "call", "calls")):
        return "change"
    if w in _PLAN_EN:
        return "plan"
    if w in _PAST_EN or (len(w) > 4 and w.endswith("ed") and w not in _NOT_PAST_EN):
        return "past"
    return None


def reports_happening(sentence: str, language: str | None) -> bool:
    """True when the sentence says the event happened or is happening: a past-tense verb
    (not a speech verb, not negated) with no future or planning word, or "today" in any
    of the three languages. A sentence that mentions a cancellation or a move, or an
    English sentence with a negation, never is."""
    lang = guess_language(sentence, language) or "en"
    seen: set[str] = set()
    previous = ""
    for word in words(sentence):
        low = word.lower()
        if low in _TODAY:
            seen.add("today")
        elif low in _YESTERDAY:
            seen.add("past")
        elif low in _NEGATION_EN or low.endswith(("n't", "n’t")):
            seen.add("negated")
        else:
            cyr = is_cyrillic(word)
            evidence = (
                _verb_evidence(word, lang if lang in ("uk", "ru") else "uk")
                if cyr
                else _english_evidence(word, previous)
            )
            if evidence is not None and not (
                evidence in ("past", "ongoing") and previous in _NEGATION
            ):
                seen.add(evidence)
        previous = low
    if seen & {"change", "negated"}:
        return False
    if "today" in seen or "ongoing" in seen:
        return True
    return "past" in seen and not seen & {"future", "plan"}
