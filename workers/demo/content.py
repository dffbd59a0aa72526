"""The sample site's articles: Ukrainian agency news written for the demo and the tests.

Dates are relative to the moment the site is built, so the meeting it announces is always ahead
and the event it reports is always behind, whenever the demo runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

MONTHS_GENITIVE = (
    "січня",
    "лютого",
    "березня",
    "квітня",
    "травня",
    "червня",
    "липня",
    "серпня",
    "вересня",
    "жовтня",
    "листопада",
    "грудня",
)


def day_month(moment: datetime) -> str:
    return f"{moment.day} {MONTHS_GENITIVE[moment.month - 1]}"


@dataclass(frozen=True)
class SampleArticle:
    slug: str
    title: str
    paragraphs: tuple[str, ...]
    published: datetime
    tags: tuple[str, ...] = ()


def sample_articles(now: datetime) -> list[SampleArticle]:
    """Six items: an announced meeting, its republished copy, a past event, and news of the day."""
    meeting = now + timedelta(days=5)
    eve = meeting - timedelta(days=1)
    earlier = now - timedelta(hours=30)
    return [
        SampleArticle(
            slug="ministry-zustrinutsia-u-lvovi",
            title=f"Міністри енергетики країн-партнерів зустрінуться {day_month(meeting)} у Львові",
            published=now - timedelta(hours=2),
            tags=("енергетика", "дипломатія"),
            paragraphs=(
                f"Міністри енергетики країн-партнерів України зустрінуться {day_month(meeting)} "
                "у Львові, щоб узгодити план відновлення енергосистеми до наступної зими.",
                f"Напередодні, {day_month(eve)}, у Львові відбудеться засідання експертних груп, "
                "які підготують проєкт спільної заяви.",
                "Про це повідомила пресслужба Міністерства енергетики. За її даними, участь у "
                "зустрічі підтвердили делегації дванадцяти країн.",
                "Серед тем — постачання обладнання для підстанцій, захист об'єктів генерації та "
                "фінансування ремонтів.",
            ),
        ),
        SampleArticle(
            slug="kopiia-ministry-zustrinutsia-u-lvovi",
            title="У Львові зберуться міністри енергетики",
            published=now - timedelta(hours=1),
            tags=("енергетика",),
            paragraphs=(
                "Як повідомляє Агентство новин «Вістка», міністри енергетики країн-партнерів "
                f"України зустрінуться {day_month(meeting)} у Львові, щоб узгодити план "
                "відновлення енергосистеми до наступної зими.",
                f"Напередодні, {day_month(eve)}, у Львові відбудеться засідання експертних груп, "
                "які підготують проєкт спільної заяви.",
                "Про це повідомила пресслужба Міністерства енергетики. За її даними, участь у "
                "зустрічі підтвердили делегації дванадцяти країн.",
                "Серед тем — постачання обладнання для підстанцій, захист об'єктів генерації та "
                "фінансування ремонтів.",
            ),
        ),
        SampleArticle(
            slug="u-kharkovi-vidkryly-shkolu",
            title="У Харкові після відновлення відкрили школу",
            published=earlier,
            tags=("освіта", "Харків"),
            paragraphs=(
                "У Харкові після дворічного ремонту відкрили школу, пошкоджену під час обстрілу. "
                "До навчання повернулися понад шістсот учнів.",
                "Роботи профінансували міський бюджет і міжнародні донори. У підвальних "
                "приміщеннях обладнали укриття з класами.",
                "Міський голова подякував будівельникам, які працювали навіть під час "
                "повітряних тривог.",
            ),
        ),
        SampleArticle(
            slug="nbu-zalyshyv-stavku",
            title="НБУ залишив облікову ставку без змін",
            published=earlier - timedelta(hours=3),
            tags=("економіка",),
            paragraphs=(
                "Національний банк залишив облікову ставку без змін. Правління пояснило рішення "
                "сповільненням інфляції та стабільною ситуацією на валютному ринку.",
                "Наступне засідання правління з монетарної політики призначене на кінець кварталу.",
                "Аналітики банків очікують, що регулятор почне знижувати ставку не раніше осені.",
            ),
        ),
        SampleArticle(
            slug="forum-vidbuvsia-v-odesi",
            title="В Одесі завершився форум портових міст",
            published=earlier - timedelta(hours=6),
            tags=("Одеса", "економіка"),
            paragraphs=(
                "В Одесі завершився дводенний форум портових міст Чорноморського регіону. "
                "Учасники підписали меморандум про розвиток морської логістики.",
                "Форум відбувся за участі представників восьми країн і міжнародних фінансових "
                "організацій.",
            ),
        ),
        SampleArticle(
            slug="ukrzaliznytsia-novyi-reis",
            title="Укрзалізниця запускає новий нічний поїзд",
            published=earlier - timedelta(hours=9),
            tags=("транспорт",),
            paragraphs=(
                "Укрзалізниця запускає новий нічний поїзд між Ужгородом і Полтавою. Квитки вже "
                "доступні в застосунку перевізника.",
                "Поїзд курсуватиме щодня, у складі будуть купейні вагони та вагони класу СВ.",
            ),
        ),
    ]
