"""Labelled text pairs for the near-duplicate benchmark, made from the shared corpus gold texts.

Positives apply the changes one story goes through on its way across outlets and feeds: another
site template (different boilerplate lines around the same text), paragraphs added or dropped,
a changed headline, an attribution prepended, a feed's truncation to the first paragraphs,
cosmetic typography and tracking parameters, and mixtures of these. Negatives are different
stories: random pairs, the pairs with the highest word overlap in one language (same topic,
shared names), different stories wrapped in the same template, and transformed copies set
against those neighbours. Everything is driven by one seeded RNG, so a run is reproducible.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ingest.dedup_text import content_hash


@dataclass(frozen=True)
class Document:
    key: str
    language: str
    title: str
    text: str


@dataclass(frozen=True)
class Pair:
    kind: str
    duplicate: bool
    left: str
    right: str
    language: str


_TOP = {
    "uk": ["Головна / Новини / Політика", "Новини України", "Автор: редакція", "Фото: пресслужба"],
    "ru": [
        "Главная / Новости / Политика",
        "Новости Украины",
        "Автор: редакция",
        "Фото: пресс-служба",
    ],
    "en": ["Home / News / World", "Latest news", "By Staff Reporter", "Photo: press office"],
}
_BOTTOM = {
    "uk": [
        "Поділитися: Facebook Telegram Viber",
        "Теги: Україна, політика, новини",
        "Підписуйтеся на наш Telegram-канал, щоб першими дізнаватися головні новини дня",
        "Якщо ви помітили помилку, виділіть її та натисніть Ctrl+Enter",
        "Коментарі (0)",
    ],
    "ru": [
        "Поделиться: Facebook Telegram Viber",
        "Теги: Украина, политика, новости",
        "Подписывайтесь на наш Telegram-канал, чтобы первыми узнавать главные новости дня",
        "Если вы заметили ошибку, выделите ее и нажмите Ctrl+Enter",
        "Комментарии (0)",
    ],
    "en": [
        "Share: Facebook Twitter Email",
        "Topics: politics, world, Europe",
        "Sign up for our morning newsletter to get the day's top stories in your inbox",
        "Spotted a mistake? Highlight it and press Ctrl+Enter",
        "Comments (0)",
    ],
}
_READ_ALSO = {"uk": "Читайте також: ", "ru": "Читайте также: ", "en": "Read more: "}
_ATTRIBUTION = {
    "uk": ["Як повідомляє РБК-Україна, ", "За даними Укрінформу, ", "КИЇВ. /Схід/. "],
    "ru": ["Как сообщает РБК-Україна, ", "По данным Интерфакс-Украина, ", "КИЕВ. /Восток/. "],
    "en": ["As Reuters reports, ", "According to the Associated Press, ", "KYIV (Wire) - "],
}
_MORE = {"uk": "Читати далі", "ru": "Читать далее", "en": "Continue reading"}
_HEADLINE_PREFIX = {"uk": "Новина дня: ", "ru": "Главное за день: ", "en": "Breaking: "}


def load_documents(shared: Path) -> list[Document]:
    """Gold texts of the corpus pages, one per distinct story (known copies left out)."""
    corpus = shared / "corpus"
    docs: list[Document] = []
    manifest = json.loads((corpus / "site" / "manifest.json").read_text(encoding="utf-8"))
    for article in manifest["articles"]:
        gold = json.loads((corpus / "site" / article["gold"]).read_text(encoding="utf-8"))
        docs.append(Document(article["gold"], gold["language"], gold["title"], gold["text"]))
    for path in sorted((corpus / "articles-cyrillic").glob("*.json")):
        if path.name == "INDEX.json":
            continue
        gold = json.loads(path.read_text(encoding="utf-8"))
        if (gold.get("text") or "").strip():
            language = gold.get("language") or "ru"
            docs.append(Document(path.name, language, gold.get("title") or "", gold["text"]))
    for line in (corpus / "extraction-benchmark" / "gold.jsonl").read_text("utf-8").splitlines():
        gold = json.loads(line)
        if len(gold["text"].split()) >= 12:
            docs.append(Document(gold["id"], "en", "", gold["text"]))
    seen: set[str] = set()
    unique = []
    for doc in docs:
        digest = content_hash(doc.text)
        if digest not in seen and _in_scope(doc.text):
            seen.add(digest)
            unique.append(doc)
    return unique


def _in_scope(text: str) -> bool:
    """Latin or Cyrillic script: the benchmark also holds a few Japanese pages labelled "en"."""
    letters = re.findall(r"[^\W\d_]", text)
    ours = sum(1 for c in letters if c < "\u0530")
    return ours >= 0.9 * len(letters)


def site_copies(shared: Path) -> list[Pair]:
    """The outlet-B copies the corpus site publishes, against their originals."""
    site = shared / "corpus" / "site"
    manifest = json.loads((site / "manifest.json").read_text(encoding="utf-8"))
    by_path = {a["path"]: a["gold"] for a in manifest["articles"]}
    pairs = []
    for dup in manifest["duplicates"]:
        original = json.loads((site / by_path[dup["original"]]).read_text("utf-8"))
        copy_gold = "gold/" + Path(dup["copy_page"]).stem + ".json"
        copy = json.loads((site / copy_gold).read_text("utf-8"))
        left = f"{original['title']}\n{original['text']}"
        right = f"{copy['title']}\n{copy['text']}"
        pairs.append(Pair("site copy", True, left, right, original["language"]))
    return pairs


def _lang(doc: Document) -> str:
    return doc.language if doc.language in _TOP else "ru"


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.splitlines() if p.strip()]


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?…])\s+", text.strip()) if s]


def as_agency_item(doc: Document, rng: random.Random) -> Document:
    """The first paragraphs of a long text, 80–200 words: the size of a typical agency item."""
    target = rng.randint(80, 200)
    kept: list[str] = []
    for sentence in _sentences(" ".join(_paragraphs(doc.text))):
        if sum(len(s.split()) for s in kept) >= target:
            break
        kept.append(sentence)
    return Document(doc.key + "#short", doc.language, doc.title, " ".join(kept))


def _template(lang: str, rng: random.Random, other_title: str) -> tuple[list[str], list[str]]:
    top = rng.sample(_TOP[lang], rng.randint(0, 2))
    bottom = rng.sample(_BOTTOM[lang], rng.randint(1, 3))
    if rng.random() < 0.5:
        bottom.insert(0, _READ_ALSO[lang] + other_title)
    return top, bottom


def _wrap(text: str, top: list[str], bottom: list[str]) -> str:
    return "\n".join([*top, text, *bottom])


def typography(text: str, rng: random.Random) -> str:
    swaps = [("'", "’"), ('"', "«"), ("-", "–"), (" ", "\u00a0"), ("е", "ё"), (". ", ".  ")]
    for old, new in rng.sample(swaps, 3):
        text = text.replace(old, new, rng.randint(1, 5))
    return text.replace("\n", "\n\n") if rng.random() < 0.5 else text.upper()


class Transformer:
    """The positive transformations; each returns (original side, copy side) or None if inapt."""

    def __init__(self, docs: list[Document], rng: random.Random) -> None:
        self.docs = docs
        self.rng = rng

    def _other(self, doc: Document) -> Document:
        same = [d for d in self.docs if _lang(d) == _lang(doc) and d.key != doc.key]
        return self.rng.choice(same or self.docs)

    def _title(self, doc: Document) -> str:
        if doc.title:
            return doc.title
        return " ".join(doc.text.split()[: self.rng.randint(6, 10)]).rstrip(".,")

    def template(self, doc: Document) -> tuple[str, str]:
        rng, lang = self.rng, _lang(doc)
        top, bottom = _template(lang, rng, self._title(self._other(doc)))
        left = doc.text
        if rng.random() < 0.5:
            other_top, other_bottom = _template(lang, rng, self._title(self._other(doc)))
            left = _wrap(doc.text, other_top, other_bottom)
        paragraphs = _paragraphs(doc.text)
        if len(paragraphs) > 2 and rng.random() < 0.5:
            at = rng.randint(1, len(paragraphs) - 1)
            paragraphs.insert(at, _READ_ALSO[lang] + self._title(self._other(doc)))
        return left, _wrap("\n".join(paragraphs), top, bottom)

    def paragraph_added(self, doc: Document) -> tuple[str, str]:
        extra = " ".join(_sentences(self._other(doc).text)[: self.rng.randint(1, 2)])
        paragraphs = _paragraphs(doc.text)
        at = len(paragraphs) if self.rng.random() < 0.6 else self.rng.randint(1, len(paragraphs))
        paragraphs.insert(at, extra)
        return doc.text, "\n".join(paragraphs)

    def paragraph_dropped(self, doc: Document) -> tuple[str, str] | None:
        paragraphs = _paragraphs(doc.text)
        if len(paragraphs) >= 3:
            del paragraphs[self.rng.randint(1, len(paragraphs) - 1)]
            return doc.text, "\n".join(paragraphs)
        sentences = _sentences(doc.text)
        if len(sentences) >= 3:
            return doc.text, " ".join(sentences[:-1])
        return None

    def headline(self, doc: Document) -> tuple[str, str]:
        title, rng = self._title(doc), self.rng
        words = title.split()
        options = [
            _HEADLINE_PREFIX[_lang(doc)] + title,
            " ".join(words[: max(2, len(words) - 2)]),
            self._title(self._other(doc)),
        ]
        return f"{title}\n{doc.text}", f"{rng.choice(options)}\n{doc.text}"

    def attribution(self, doc: Document) -> tuple[str, str]:
        prefix = self.rng.choice(_ATTRIBUTION[_lang(doc)])
        text = doc.text.lstrip()
        return doc.text, prefix + text[:1].lower() + text[1:]

    def truncation(self, doc: Document) -> tuple[str, str] | None:
        paragraphs = _paragraphs(doc.text)
        total = len(doc.text.split())
        if total < 60:
            return None
        if len(paragraphs) >= 2 and self.rng.random() < 0.5:
            keep, kept = self.rng.randint(1, 3), []
            for p in paragraphs:
                kept.append(p)
                if len(kept) >= keep and sum(len(k.split()) for k in kept) >= 30:
                    break
            if len(kept) == len(paragraphs):
                return None
            return doc.text, "\n".join(kept)
        limit = self.rng.randint(200, 1000)
        if limit >= len(doc.text):
            return None
        cut = doc.text[:limit].rsplit(" ", 1)[0]
        ending = self.rng.choice(["…", " [...]", "... " + _MORE[_lang(doc)]])
        return doc.text, cut + ending

    def tracking(self, doc: Document) -> tuple[str, str]:
        slug = re.sub(r"\W+", "-", self._title(doc).lower())[:40]
        url = f"https://news.example.com/{slug}"
        tail = self.rng.choice(["?utm_source=telegram&utm_medium=social", "?fbclid=IwAR0x", "#top"])
        return f"{doc.text}\n{url}", f"{typography(doc.text, self.rng)}\n{url}{tail}"

    def cosmetic(self, doc: Document) -> tuple[str, str]:
        return doc.text, typography(doc.text, self.rng)

    def mixed(self, doc: Document) -> tuple[str, str] | None:
        steps = self.rng.sample(
            [
                "template",
                "attribution",
                "headline",
                "paragraph_added",
                "paragraph_dropped",
                "truncation",
                "cosmetic",
            ],
            2,
        )
        left, right = doc.text, doc.text
        for step in steps:
            result = getattr(self, step)(Document(doc.key, doc.language, doc.title, right))
            if result is None:
                return None
            if step == "headline":
                left = f"{self._title(doc)}\n{left}"
            right = result[1]
        return left, right


KINDS = (
    "template",
    "paragraph_added",
    "paragraph_dropped",
    "headline",
    "attribution",
    "truncation",
    "tracking",
    "cosmetic",
    "mixed",
)


def _bag(text: str) -> set[str]:
    return {w for w in re.findall(r"\w+", text.lower()) if len(w) > 3}


def hard_neighbours(docs: list[Document], per_doc: int) -> list[tuple[Document, Document]]:
    """For each document, the same-language documents sharing the most content words with it."""
    bags = [_bag(d.text[:3000]) for d in docs]
    pairs: set[tuple[int, int]] = set()
    for i, doc in enumerate(docs):
        scored = sorted(
            (
                (len(bags[i] & bags[j]) / (len(bags[i] | bags[j]) or 1), j)
                for j, other in enumerate(docs)
                if j != i and _lang(other) == _lang(doc)
            ),
            reverse=True,
        )
        for _, j in scored[:per_doc]:
            pairs.add((min(i, j), max(i, j)))
    return [(docs[i], docs[j]) for i, j in sorted(pairs)]


def generate_pairs(shared: Path, seed: int = 20260105) -> list[Pair]:
    """The labelled pairs: positives per kind, then the negatives, then the site's real copies."""
    rng = random.Random(seed)
    docs = [
        as_agency_item(d, rng) if len(d.text.split()) > 250 and rng.random() < 0.4 else d
        for d in load_documents(shared)
    ]
    transformer = Transformer(docs, rng)
    pairs: list[Pair] = []
    for doc in docs:
        for kind in KINDS:
            method: Callable[[Document], tuple[str, str] | None] = getattr(transformer, kind)
            result = method(doc)
            if result is not None:
                pairs.append(Pair(kind, True, result[0], result[1], _lang(doc)))
    for a, b in hard_neighbours(docs, per_doc=3):
        pairs.append(Pair("neg: same topic", False, a.text, b.text, _lang(a)))
        kind = rng.choice(KINDS)
        copy = getattr(transformer, kind)(a)
        if copy is not None:
            pairs.append(Pair("neg: copy vs same topic", False, copy[1], b.text, _lang(a)))
    for _ in range(len(docs)):
        a, b = rng.sample(docs, 2)
        top, bottom = _template(_lang(a), rng, transformer._title(b))
        pairs.append(
            Pair(
                "neg: same template",
                False,
                _wrap(a.text, top, bottom),
                _wrap(b.text, top, bottom),
                _lang(a),
            )
        )
    for _ in range(4 * len(docs)):
        a, b = rng.sample(docs, 2)
        pairs.append(Pair("neg: random", False, a.text, b.text, _lang(a)))
    pairs.extend(site_copies(shared))
    return pairs
