"""Exact and near-duplicate fingerprints on hand-written uk/ru/en stories, and the corpus gates."""

from __future__ import annotations

import subprocess
import sys

import pytest

from ingest.dedup import (
    NEAR_DUPLICATE_THRESHOLD,
    Signature,
    band_keys,
    containment,
    content_hash,
    fingerprint,
    is_near_duplicate,
    normalize_text,
    signature,
    similarity,
)
from tests.conftest import PROJECT_ROOT, require_shared

LONG_UK = (
    "Кабінет міністрів у середу ухвалив постанову про нову програму компенсацій для власників "
    "зруйнованого житла в прифронтових громадах Харківської та Сумської областей.\n"
    "За словами міністра розвитку громад, заявки прийматимуть через застосунок з першого "
    "березня, а перші виплати отримають родини, чиї будинки не підлягають відновленню.\n"
    "Розмір компенсації залежатиме від площі житла та регіональної вартості квадратного метра, "
    "яку уряд переглядатиме щокварталу разом з обласними адміністраціями.\n"
    "Окремо уряд виділив кошти на ремонт шкіл і лікарень у тих самих громадах; список об'єктів "
    "оприлюднять до кінця місяця після перевірки інженерами.\n"
    "Торік за схожою програмою житло отримали понад дванадцять тисяч родин, однак частина "
    "заявок досі чекає на розгляд через брак документів про право власності."
)
SHORT_RU = (
    "В четверг в Вильнюсе министры обороны стран Балтии подписали соглашение о совместной "
    "закупке систем противовоздушной обороны. Первые поставки ожидаются в следующем году."
)
SHORT_EN = (
    "The city council voted on Tuesday to extend the night bus network to the northern "
    "suburbs from September. Tickets will cost the same as on daytime routes."
)


def _matches(a: str, b: str) -> bool:
    sa, sb = signature(a), signature(b)
    return bool(set(band_keys(sa)) & set(band_keys(sb))) and is_near_duplicate(sa, sb)


def test_normalize_folds_typography_case_and_yo() -> None:
    assert normalize_text("«Прем’єр»  —  ЇЖАК\u00a0ёлка") == normalize_text(
        '"прем\'єр" - їжак елка'
    )
    assert normalize_text("Премʼєр") == "прем'єр"
    assert normalize_text("Ёж „Ещё“ ″x″") == 'еж "еще" "x"'
    assert normalize_text("а\u00adб\u200bв") == "абв"


def test_normalize_keeps_paragraphs_and_drops_link_tracking() -> None:
    text = "Перший абзац.\n\n\n  Другий   абзац.  \nhttps://www.site.ua/news/1?utm_source=tg#top"
    assert normalize_text(text) == "перший абзац.\nдругий абзац.\nsite.ua/news/1"


def test_content_hash_equal_for_typographic_variants_only() -> None:
    variant = LONG_UK.replace("'", "’").replace(" ", "\u00a0", 3).replace("\n", "\n\n").upper()
    assert content_hash(variant) == content_hash(LONG_UK)
    assert content_hash(LONG_UK.replace("березня", "квітня")) != content_hash(LONG_UK)
    assert len(content_hash("")) == 64


def test_fingerprint_is_the_hash_and_the_signature_at_once() -> None:
    for text in (LONG_UK, LONG_UK.upper().replace("'", "’"), ""):
        assert fingerprint(text) == (content_hash(text), signature(text))


def test_signature_round_trips_through_bytes() -> None:
    sig = signature(LONG_UK)
    assert Signature.from_bytes(sig.to_bytes()) == sig
    assert sig.size > 100 and 0 < sig.lead_size < sig.size
    with pytest.raises(ValueError):
        Signature.from_bytes(sig.to_bytes()[:-4])


def test_signature_values_are_datasketch_minhash_with_the_stored_seed() -> None:
    """Signatures stored by earlier releases stay comparable: the permutations drawn once per
    size are the ones a fresh ``MinHash`` with the same seed draws."""
    from datasketch import MinHash

    from ingest.dedup import SHINGLE_WORDS, WHOLE_PERMUTATIONS, _content_words
    from ingest.dedup_text import shingles

    for text in (LONG_UK, SHORT_RU):
        sig = signature(text)
        fresh = MinHash(num_perm=WHOLE_PERMUTATIONS, seed=1, scheme="affine32")
        items = shingles(_content_words(normalize_text(text)), SHINGLE_WORDS)
        fresh.update_batch([item.encode("utf-8") for item in sorted(items)])
        assert sig.size == len(items)
        assert sig.values == tuple(int(v) for v in fresh.hashvalues)


def test_band_keys_are_stable_across_processes() -> None:
    code = (
        "import sys; from ingest.dedup import band_keys, signature; "
        "print(band_keys(signature(sys.argv[1])))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, SHORT_RU],
        capture_output=True,
        text=True,
        check=True,
        cwd=PROJECT_ROOT,
        env={"PYTHONHASHSEED": "12345", "PATH": ""},
    ).stdout.strip()
    assert out == str(band_keys(signature(SHORT_RU)))
    assert all(":" in key for key in band_keys(signature(SHORT_RU)))


def test_empty_text_has_no_keys_and_matches_nothing() -> None:
    empty = signature("  \n ")
    assert band_keys(empty) == []
    assert containment(empty, signature(SHORT_EN)) == 0.0


def test_identical_texts_have_similarity_one() -> None:
    assert similarity(signature(SHORT_EN), signature(SHORT_EN)) == 1.0
    assert _matches(SHORT_EN, SHORT_EN.replace("Tuesday", "tuesday"))


@pytest.mark.parametrize(
    ("original", "copy"),
    [
        pytest.param(
            SHORT_RU,
            "Главная / Новости\n"
            + SHORT_RU
            + "\nПоделиться: Telegram Viber\nТеги: оборона, Балтия",
            id="template-ru",
        ),
        pytest.param(
            LONG_UK + "\nПоділитися\nЧитайте також: Уряд змінив правила оренди землі для фермерів",
            "Новини / Економіка\n"
            + LONG_UK
            + "\nПідписуйтеся на наш канал, щоб не пропустити головне",
            id="template-both-sides-uk",
        ),
        pytest.param(
            SHORT_EN,
            SHORT_EN + "\nThe council approved a similar extension of tram lines last year after "
            "residents complained about late-night travel.",
            id="paragraph-added-en",
        ),
        pytest.param(
            LONG_UK,
            "\n".join(LONG_UK.splitlines()[:3] + LONG_UK.splitlines()[4:]),
            id="paragraph-dropped-uk",
        ),
        pytest.param(
            "Уряд запускає компенсації за зруйноване житло\n" + LONG_UK,
            "Новина дня: власники зруйнованих будинків отримають виплати\n" + LONG_UK,
            id="headline-changed-uk",
        ),
        pytest.param(SHORT_RU, "Как сообщает РБК-Україна, в" + SHORT_RU[1:], id="attribution-ru"),
        pytest.param(
            LONG_UK,
            "Як повідомляє РБК-Україна, к" + LONG_UK[1:],
            id="attribution-uk",
        ),
        pytest.param(LONG_UK, LONG_UK.splitlines()[0], id="truncated-to-first-paragraph-uk"),
        pytest.param(
            LONG_UK, LONG_UK[:400].rsplit(" ", 1)[0] + "… Читати далі", id="truncated-chars-uk"
        ),
        pytest.param(
            SHORT_EN + "\nhttps://news.example.org/night-buses",
            SHORT_EN.replace("'", "’")
            + "\nhttps://news.example.org/night-buses?utm_source=x&fbclid=1",
            id="tracking-and-quotes-en",
        ),
    ],
)
def test_transformed_copies_match_through_band_keys(original: str, copy: str) -> None:
    assert _matches(original, copy)
    assert _matches(copy, original)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        pytest.param(
            "У Києві 3 січня відбулася зустріч радників з національної безпеки країн-партнерів. "
            "Учасники обговорили гарантії безпеки та наступні кроки мирного процесу.",
            "Радники з нацбезпеки партнерів України зібралися 3 січня в Києві. Як розповів один з "
            "учасників, головною темою стали гарантії безпеки, а наступний раунд пройде в Парижі.",
            id="same-meeting-two-outlets-uk",
        ),
        pytest.param(
            "Министры обороны Литвы, Латвии и Эстонии в четверг в Вильнюсе договорились вместе "
            "закупать системы ПВО. Соглашение подписано на пять лет.",
            SHORT_RU,
            id="same-agreement-two-outlets-ru",
        ),
        pytest.param(
            "Night buses will run to the northern suburbs from September after a council vote on "
            "Tuesday, officials said, with fares unchanged.",
            SHORT_EN,
            id="same-vote-two-outlets-en",
        ),
        pytest.param(
            LONG_UK,
            LONG_UK.splitlines()[0]
            .replace("Харківської та Сумської", "Чернігівської")
            .replace("у середу", "у п'ятницю")
            + "\nЗаявки прийматимуть у центрах надання адміністративних послуг з квітня, "
            "повідомили в міністерстві, а кошти спрямують передусім родинам з дітьми.",
            id="same-programme-another-region-uk",
        ),
    ],
)
def test_same_event_in_other_words_is_not_a_duplicate(one: str, other: str) -> None:
    a, b = signature(one), signature(other)
    assert containment(a, b) < NEAR_DUPLICATE_THRESHOLD
    assert not is_near_duplicate(a, b)


def test_short_copy_is_contained_but_not_jaccard_similar() -> None:
    long, short = signature(LONG_UK), signature(LONG_UK.splitlines()[0])
    assert similarity(long, short) < 0.5
    assert containment(long, short) >= NEAR_DUPLICATE_THRESHOLD


@pytest.mark.corpus
@pytest.mark.slow
def test_generated_pairs_meet_the_gates_through_lsh() -> None:
    from bench.dedup import rates, score_pairs
    from bench.dedup_pairs import generate_pairs

    shared = require_shared("corpus", "site", "manifest.json").parents[2]
    pairs = generate_pairs(shared, seed=4242)
    kinds = {p.kind for p in pairs if p.duplicate}
    assert {"template", "truncation", "attribution", "headline", "site copy"} <= kinds
    precision, recall = rates(score_pairs(pairs), NEAR_DUPLICATE_THRESHOLD)
    assert precision >= 0.99
    assert recall >= 0.95
