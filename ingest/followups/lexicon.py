"""Word lists that tell an announcement from a report: event nouns, scheduling and change cues.

Ukrainian and Russian entries are dictionary lemmas (matched through pymorphy3, so every case
and tense form counts); English entries are surface words, lower case.
"""

from __future__ import annotations

import re


def words(text: str) -> frozenset[str]:
    """A word list written as prose-like lines, one set."""
    return frozenset(text.split())


EVENT_LEMMAS = words(
    """
    зустріч саміт засідання нарада переговори перемовини візит вибори конференція форум
    навчання голосування референдум з'їзд сесія консультації консультація брифінг
    пресконференція прес-конференція церемонія інавгурація дебати розгляд слухання підписання
    поїздка обмін матч фестиваль виставка забіг марафон презентація оголошення запуск старт
    прем'єра концерт турнір чемпіонат розмова звернення рішення ухвалення виступ відкриття
    засідання пленарний раунд нарада засідання телеміст акція мітинг парад
    встреча саммит заседание совещание переговоры визит выборы конференция форум учения
    голосование референдум съезд сессия консультации консультация брифинг пресс-конференция
    церемония инаугурация дебаты рассмотрение слушание слушания подписание поездка обмен матч
    фестиваль выставка презентация запуск премьера концерт турнир чемпионат разговор
    обращение решение выступление открытие раунд митинг парад
    meeting summit session talks visit election elections vote voting conference forum
    exercises drills referendum congress consultations briefing ceremony inauguration debate
    hearing hearings signing trip exchange match festival exhibition launch presentation
    decision call address round rally parade race concert tournament premiere
    """
)

# Planning and expectation: whatever their own tense, they speak of something still to come.
FUTURE_LEMMAS = words(
    """
    планувати плануватися запланований очікувати очікуватися очікуваний передбачатися передбачений
    збиратися призначений намічений анонсований майбутній
    планировать планироваться запланированный ожидать ожидаться ожидаемый предстоять предстоящий
    собираться назначенный намеченный анонсированный
    """
)
# Scheduling acts: reported in the past, they place the dates after them in the future
# ("вчора призначили вибори на 25 жовтня").
SCHEDULE_LEMMAS = words(
    """
    запланувати призначити намітити анонсувати оголосити перенести переносити відкласти
    запланировать назначить наметить анонсировать объявить перенести переносить отложить
    """
)
# These point forward only with an infinitive: "домовилися зустрітися", "має відбутися".
MODAL_LEMMAS = words(
    """
    мати могти мусити домовитися домовлятися вирішити погодитися обіцяти пообіцяти
    мочь должный договориться договариваться решить согласиться обещать пообещать
    """
)

POSTPONE_LEMMAS = words(
    """
    перенести переносити перенестися перенесений відкласти відкладати відкладений
    переноситься перенесённый перенесенный отложить откладывать отложенный
    """
)
CANCEL_LEMMAS = words(
    """
    скасувати скасовувати скасований скасування відмінити відмінений
    отменить отменять отменённый отмененный отмена
    """
)
HAPPEN_LEMMAS = words("відбутися відбуватися состояться проходити пройти")

# First person plural futures that only steer the reader ("Нагадаємо, …") and recaps.
DISCOURSE_WORDS = words(
    """
    нагадаємо нагадаймо зазначимо додамо уточнимо підкреслимо
    напомним отметим добавим уточним подчеркнем подчеркнём
    """
)
RECAP_OPENERS = words("як как as")
RECAP_VERBS = words(
    """
    повідомлялося повідомляв повідомляла повідомляло повідомили писав писала писало писали
    сообщалось сообщалося сообщал сообщала сообщало сообщили писал писала писало писали
    reported
    """
)

# Punctuation (or a dash between spaces) between two words: they stand in different phrases.
PHRASE_STOP = re.compile(r"[,;:.!?()\"«»]|\s-\s")

# Words that open a new clause: a verb beyond them governs a different clause.
CLAUSE_WORDS = words(
    """
    що щоб який яка яке які якого якій якому яких де коли але проте а
    что чтобы который которая которое которые которого которой где когда но однако
    that which who where when but while
    """
)

ENGLISH_FUTURE = words(
    """
    will shall ll would could may might can should must scheduled slated expected planned
    upcoming expects intends intend aims hopes
    """
)
ENGLISH_PAST = words(
    """
    was were had did met held took began started ended came went gave told said spoke made
    saw left won lost became sent brought found kept led ran sat stood
    """
)
ENGLISH_PRESENT = words("is are am begins starts opens takes continues runs")
ENGLISH_BE = words("be been being is are was were am")
ENGLISH_SCHEDULE = words("agreed decided promised pledged vowed announced")
ENGLISH_POSTPONE = words(
    "postponed postpone postpones delayed delay delays rescheduled reschedule moved pushed"
)
ENGLISH_CANCEL = words("cancelled canceled cancel cancels scrapped scraps called")
