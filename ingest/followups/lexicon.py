"""Word lists that tell an announcement from a report: event nouns, scheduling and change cues.

Ukrainian and Russian entries are dictionary lemmas (matched through pymorphy3, so every case
and tense form counts); English entries are surface words, lower case.
"""

from __future__ import annotations

EVENT_LEMMAS = frozenset(
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
    """.split()
)

# Planning and expectation: whatever their own tense, they speak of something still to come.
FUTURE_LEMMAS = frozenset(
    """
    планувати плануватися запланований очікуватися очікуваний передбачатися передбачений
    збиратися призначений намічений анонсований майбутній
    планировать планироваться запланированный ожидаться ожидаемый предстоять предстоящий
    собираться назначенный намеченный анонсированный
    """.split()
)
# Scheduling acts: reported in the past, they place the dates after them in the future
# ("вчора призначили вибори на 25 жовтня").
SCHEDULE_LEMMAS = frozenset(
    """
    запланувати призначити намітити анонсувати оголосити перенести переносити відкласти
    запланировать назначить наметить анонсировать объявить перенести переносить отложить
    """.split()
)
# These point forward only with an infinitive: "домовилися зустрітися", "має відбутися".
MODAL_LEMMAS = frozenset(
    """
    мати могти мусити домовитися домовлятися вирішити погодитися обіцяти пообіцяти
    мочь должный договориться договариваться решить согласиться обещать пообещать
    """.split()
)

POSTPONE_LEMMAS = frozenset(
    """
    перенести переносити перенестися перенесений відкласти відкладати відкладений
    переноситься перенесённый перенесенный отложить откладывать отложенный
    """.split()
)
CANCEL_LEMMAS = frozenset(
    """
    скасувати скасовувати скасований скасування відмінити відмінений
    отменить отменять отменённый отмененный отмена
    """.split()
)
HAPPEN_LEMMAS = frozenset("відбутися відбуватися состояться проходити пройти".split())

# First person plural futures that only steer the reader ("Нагадаємо, …") and recaps.
DISCOURSE_WORDS = frozenset(
    """
    нагадаємо нагадаймо зазначимо додамо уточнимо підкреслимо
    напомним отметим добавим уточним подчеркнем подчеркнём
    """.split()
)
RECAP_OPENERS = frozenset("як как as".split())
RECAP_VERBS = frozenset(
    """
    повідомлялося повідомляв повідомляла повідомляло повідомили писав писала писало писали
    сообщалось сообщалося сообщал сообщала сообщало сообщили писал писала писало писали
    reported
    """.split()
)

# Words that open a new clause: a verb beyond them governs a different clause.
CLAUSE_WORDS = frozenset(
    """
    що щоб який яка яке які якого якій якому яких де коли але проте а
    что чтобы который которая которое которые которого которой где когда но однако
    that which who where when but while
    """.split()
)

ENGLISH_FUTURE = frozenset(
    """
    will shall ll would could may might can should must scheduled slated expected due planned
    plans plan planning upcoming expects intends intend aims hopes going
    """.split()
)
ENGLISH_PAST = frozenset(
    """
    was were had did met held took began started ended came went gave told said spoke made
    saw left won lost became sent brought found kept led ran sat stood
    """.split()
)
ENGLISH_PRESENT = frozenset("is are am begins starts opens takes continues runs".split())
ENGLISH_BE = frozenset("be been being is are was were am".split())
ENGLISH_SCHEDULE = frozenset("agreed decided promised pledged vowed announced".split())
ENGLISH_POSTPONE = frozenset(
    "postponed postpone postpones delayed delay delays rescheduled reschedule moved pushed".split()
)
ENGLISH_CANCEL = frozenset("cancelled canceled cancel cancels scrapped scraps called".split())
