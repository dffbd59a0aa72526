"""Extract, clean, deduplicate and store fetched articles, without Celery.

Articles come in batches (the pages of one feed fetched together) and are handled in three
short transactions per batch, not per article: claim them all; count their lines for the host's
boilerplate statistics and read those back; store them all under one dedup lock. The CPU work
(decoding, trafilatura, boilerplate stripping, signatures, follow-up finding) runs between them
with no transaction open. Within the store transaction articles are decided one after the other,
so a copy of an article earlier in the batch is seen as one; each article also claims its
exact-duplicate keys there, so the original of a set of copies is decided atomically by the
database. One article's unexpected error rolls the batch's store back and the others are stored
again one per transaction, so it never holds them up.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, TypeVar

from sqlalchemy.exc import InterfaceError, OperationalError
from sqlmodel import Session

from ingest import dedup, translation
from ingest.boilerplate import HostStats, fingerprints, strip_boilerplate
from ingest.encoding import decode_html
from ingest.extract import Extracted, ExtractionError, FeedHint, extract_article
from ingest.followups import FollowUp, find_followups
from ingest.followups.places import load_gazetteer
from ingest.tracking import Report
from ingest.urls import BadURL, canonical_url, url_key
from storage import articles as article_rows
from storage import boilerplate as host_rows
from storage import dedup as dedup_rows
from storage import followups as followup_rows
from storage import raw_pages
from storage.db import get_engine, session_scope
from storage.models import Article
from storage.types import utcnow
from workers import logs
from workers.settings import Settings

log = logging.getLogger("vistka.extract")

# The database being unreachable is the batch's problem, retried as a whole by the task; any
# other error belongs to the one article that raised it.
UNAVAILABLE = (OperationalError, InterfaceError)
T = TypeVar("T")
NOTHING_LEFT = "extraction: no_text: only this host's boilerplate"


@dataclass(frozen=True)
class Stored:
    article_id: int
    status: str  # "stored", "duplicate", "failed", "skipped"
    duplicate_of: int | None = None
    rule: str | None = None


Outcome = Stored | Exception  # an article's result, or the error that stopped it


@dataclass(frozen=True)
class Inputs:
    """What extraction needs from the article row (read in a short transaction)."""

    article_id: int
    raw: bytes  # as kept (``storage.raw_pages``), unpacked by the guarded step (it may be corrupt)
    page_url: str
    hint: FeedHint
    host: str
    url_key: str
    content_type: str | None


INPUT_COLUMNS = (
    "raw_html",
    "final_url",
    "url",
    "feed_title",
    "feed_published_at",
    "feed_summary",
    "host",
    "url_key",
    "content_type",
)


def _inputs(art: Any) -> Inputs:
    """From an Article or a claimed row of ``INPUT_COLUMNS``."""
    return Inputs(
        article_id=int(art.id or 0),
        raw=art.raw_html or b"",
        page_url=art.final_url or art.url,
        hint=FeedHint(
            title=art.feed_title, published_at=art.feed_published_at, summary=art.feed_summary
        ),
        host=art.host,
        url_key=art.url_key,
        content_type=art.content_type,
    )


@dataclass(frozen=True)
class Page:
    """An article extracted, not yet cleaned of its host's boilerplate."""

    inputs: Inputs
    extracted: Extracted
    prints: list[str]


@dataclass(frozen=True)
class Analysed:
    """An article ready to store: its text and everything computed from it."""

    inputs: Inputs
    extracted: Extracted
    text: str
    canonical: str
    content_hash: str
    signature: dedup.Signature
    followups: list[FollowUp]
    report: Report
    translation: translation.Signature | None
    band_keys: list[str]  # near-duplicate bands of ``signature``
    translation_keys: list[str]  # bands of ``translation``


def extract(settings: Settings, article_id: int) -> Stored:
    """The pipeline step for one article: claim it if it is still fetched, extract, store."""
    return _single(extract_many(settings, [article_id]))


def extract_many(
    settings: Settings, article_ids: Sequence[int], *, propagate: tuple[type[Exception], ...] = ()
) -> list[tuple[int, Outcome]]:
    """The pipeline step for a batch: claim those still fetched, extract and store them.

    Every id gets an outcome: ``Stored`` (``skipped`` when another worker has it or it is done)
    or the exception that stopped that article alone; the article then stays leased and the
    sweeper takes it up again. The database being unavailable, and ``propagate`` (the task's
    time limit), stop the whole batch.
    """
    lease = timedelta(seconds=settings.lease_seconds)
    with session_scope(settings.database) as s:
        rows = article_rows.claim(s, article_ids, "fetched", lease, INPUT_COLUMNS)
    outcomes: dict[int, Outcome] = {i: Stored(i, "skipped") for i in article_ids}
    outcomes.update(_run(settings, [_inputs(row) for row in rows], propagate))
    return [(i, outcomes[i]) for i in article_ids]


def _single(outcomes: list[tuple[int, Outcome]]) -> Stored:
    result = outcomes[0][1]
    if isinstance(result, Exception):
        raise result
    return result


def _run(
    settings: Settings, batch: list[Inputs], propagate: tuple[type[Exception], ...]
) -> dict[int, Outcome]:
    """Extract, count the host lines, clean and analyse, store: each step for the whole batch."""
    outcomes: dict[int, Outcome] = {}
    pages, failed = _extract_all(batch, outcomes, propagate)
    with session_scope(settings.database) as s:
        for article_id, reason in failed.items():
            article_rows.fail(s, article_id, reason)
        stats = host_rows.record_pages(
            s, [host_rows.Page(p.inputs.host, p.inputs.url_key, p.prints) for p in pages]
        )
    outcomes.update({i: Stored(i, "failed") for i in failed})
    ready, empty = _analyse_all(pages, stats, outcomes, propagate)
    if empty:
        with session_scope(settings.database) as s:
            for article_id in empty:
                article_rows.fail(s, article_id, NOTHING_LEFT)
        outcomes.update({i: Stored(i, "failed") for i in empty})
    outcomes.update(_store_all(settings, ready, propagate))
    return outcomes


def _extract_all(
    batch: list[Inputs], outcomes: dict[int, Outcome], propagate: tuple[type[Exception], ...]
) -> tuple[list[Page], dict[int, str]]:
    """The pages extracted, and the articles that yield none with the reason to record."""
    pages: list[Page] = []
    failed: dict[int, str] = {}
    for inputs in batch:
        page = _guarded(inputs.article_id, outcomes, propagate, partial(_extract, inputs))
        if isinstance(page, ExtractionError):
            failed[inputs.article_id] = f"extraction: {page}"[:1000]
        elif page is not None:
            pages.append(page)
    return pages, failed


def _analyse_all(
    pages: list[Page],
    stats: dict[str, HostStats],
    outcomes: dict[int, Outcome],
    propagate: tuple[type[Exception], ...],
) -> tuple[list[Analysed], list[int]]:
    """The articles ready to store, and those with nothing left but their host's boilerplate."""
    ready: list[Analysed] = []
    empty: list[int] = []
    for page in pages:
        article_id = page.inputs.article_id
        done = _guarded(
            article_id, outcomes, propagate, partial(_analyse, page, stats[page.inputs.host])
        )
        if isinstance(done, Analysed):
            ready.append(done)
        elif article_id not in outcomes:
            empty.append(article_id)
    return ready, empty


def _guarded(
    article_id: int,
    outcomes: dict[int, Outcome],
    propagate: tuple[type[Exception], ...],
    step: Callable[[], T],
) -> T | None:
    """One article's pure step; its unexpected error is logged and becomes its outcome."""
    with logs.article(article_id):
        try:
            return step()
        except Exception as error:
            if isinstance(error, (*UNAVAILABLE, *propagate)):
                raise
            log.exception("article %s: extraction failed", article_id)
            outcomes[article_id] = error
            return None


def _extract(inputs: Inputs) -> Page | ExtractionError:
    try:
        page = raw_pages.unpack(inputs.raw) if inputs.raw else b""
        ex = extract_article(decode_html(page, inputs.content_type), inputs.page_url, inputs.hint)
    except ExtractionError as err:
        return err
    return Page(inputs, ex, fingerprints(ex.text))


def _analyse(page: Page, stats: HostStats) -> Analysed | None:
    """Everything computed from the cleaned text (no database): None when nothing is left."""
    ex, inputs = page.extracted, page.inputs
    text = strip_boilerplate(ex.text, stats).replace("\x00", "").strip()
    if not text:
        return None
    published = ex.published_at or utcnow()
    content_hash, signature = dedup.fingerprint(text)
    versions = translation.translation_signature(text, ex.language)
    return Analysed(
        inputs=inputs,
        extracted=ex,
        text=text,
        canonical=_canonical(ex.canonical_url, inputs.page_url),
        content_hash=content_hash,
        signature=signature,
        followups=_find_followups(inputs.article_id, text, published, ex.language),
        report=Report(text, published.date(), ex.language),
        translation=versions,
        band_keys=dedup.band_keys(signature),
        translation_keys=translation.translation_band_keys(versions),
    )


def _store_all(
    settings: Settings, ready: list[Analysed], propagate: tuple[type[Exception], ...]
) -> dict[int, Outcome]:
    """All in one transaction under the dedup lock; if one article fails there, the batch is
    rolled back and stored again one article per transaction."""
    if not ready:
        return {}
    try:
        with session_scope(settings.database) as s:
            article_rows.serialise_dedup(s)
            bands = dedup_rows.Bands()  # read once the lock is held: nobody adds keys meanwhile
            bands.prefetch(s, [key for a in ready for key in a.band_keys + a.translation_keys])
            owners = article_rows.claim_keys_of(
                s,
                [
                    (a.inputs.article_id, exact_keys(a.inputs.url_key, a.canonical, a.content_hash))
                    for a in ready
                ],
            )
            events = followup_rows.OpenEvents([a.report.published for a in ready])
            stored: dict[int, Outcome] = {
                a.inputs.article_id: _store(s, settings, a, bands, owners, events, propagate)
                for a in ready
            }
            bands.write(s)
            return stored
    except Exception as error:
        if isinstance(error, (*UNAVAILABLE, *propagate)):
            raise
        if len(ready) == 1:
            with logs.article(ready[0].inputs.article_id):
                log.exception("article %s: storing failed", ready[0].inputs.article_id)
            return {ready[0].inputs.article_id: error}
    outcomes: dict[int, Outcome] = {}
    for one in ready:
        outcomes.update(_store_all(settings, [one], propagate))
    return outcomes


GAZETTEER_FILE = "gazetteer.json"


def warm_up(settings: Settings) -> None:
    """Load what every extraction needs (uk/ru dictionaries, the gazetteer, compiled patterns,
    trafilatura) once, in a prefork worker's main process: its children are forked with it
    loaded instead of each paying about half a second of CPU, again after every recycle. The
    gazetteer is read from the cache directory when an earlier start wrote it there."""
    started = time.process_time()
    load_gazetteer(settings.cache_dir / GAZETTEER_FILE)
    # The database driver is imported when the first engine is made: made here, unconnected,
    # it is imported once instead of in every child (each child still makes its own engine).
    get_engine(settings.database)
    when = datetime(2026, 1, 3, 12, tzinfo=UTC)
    for language, sample in _WARM_UP.items():
        find_followups(sample, when, language)
        Report(sample, when.date(), language)
        translation.translation_signature(sample, language)
    page = f"<html><body><article><p>{_WARM_UP['en']}</p></article></body></html>"
    extract_article(page, "https://warm-up.invalid/")
    log.info("extraction data loaded before forking (%.1f CPU s)", time.process_time() - started)


_WARM_UP = {
    "uk": "Лідери зустрінуться 6 січня у Парижі, напередодні, 5 січня, збираються начальники "
    "генштабів.",
    "ru": "Лидеры встретятся 6 января в Париже, накануне, 5 января, соберутся начальники "
    "генштабов.",
    "en": "Leaders will meet in Paris on 6 January; the chiefs of staff gather the day before.",
}


def reextract(settings: Settings, article_id: int) -> Stored:
    """Run extraction again from the kept raw page (after the cleaner improved)."""
    with session_scope(settings.database) as s:
        art = s.get(Article, article_id)
        if art is None or art.status not in ("stored", "duplicate") or not art.raw_html:
            return Stored(article_id, "skipped")
        inputs = _inputs(art)
    return _single(list(_run(settings, [inputs], ()).items()))


def exact_keys(own_url_key: str, canonical: str, content_hash: str) -> list[str]:
    """The keys an exact copy shares with its original: either URL, or the text's hash."""
    return [f"url:{url_key(canonical)}", f"url:{own_url_key}", f"text:{content_hash}"]


def _store(
    s: Session,
    settings: Settings,
    a: Analysed,
    bands: dedup_rows.Bands,
    owners: dict[str, int],
    events: followup_rows.OpenEvents,
    propagate: tuple[type[Exception], ...],
) -> Stored:
    article_id, ex = a.inputs.article_id, a.extracted
    # Rows read for an earlier article of the batch may have changed since, so they are
    # expired; what that article changed through the ORM (an event it covered or moved) is
    # written first, since expiring an object discards its unwritten changes.
    s.flush()
    s.expire_all()
    fields = _fields(ex, a.text, a.canonical, a.content_hash, a.signature.to_bytes(), settings)
    fields["story_id"] = article_id  # an original's own story; a copy's is set by the decision
    article_rows.update_article(s, article_id, **fields)
    result = decide_duplicates(
        s,
        article_id,
        a.inputs.url_key,
        a.canonical,
        a.content_hash,
        a.signature,
        story_set=True,
        bands=bands,
        band_keys=a.band_keys,
        owners=owners,
    )
    if result.status == "stored":
        _link_translation(
            s, article_id, a.inputs.host, ex, a.translation, a.translation_keys, bands
        )
        _follow_ups(s, article_id, a, events, propagate)
    return result


def decide_duplicates(
    s: Session,
    article_id: int,
    own_url_key: str,
    canonical: str,
    content_hash: str,
    sig: dedup.Signature,
    *,
    story_set: bool = False,
    bands: dedup_rows.Bands | None = None,
    band_keys: list[str] | None = None,
    owners: dict[str, int] | None = None,
) -> Stored:
    """Exact keys first (canonical URL, text hash: owned atomically), then the near-duplicate
    index; the article joins the story of what it copies, or starts its own (already written
    with its fields when ``story_set``). ``bands``: the batch's view of the index, written by
    the caller; without it the article's keys are looked up and written here. ``band_keys``:
    those of ``sig``, when already computed (outside the lock). ``owners``: the exact keys'
    owners once the batch claimed them (``article_rows.claim_keys_of``); without them the
    article claims its own here."""
    index = bands if bands is not None else dedup_rows.Bands()
    band_keys = band_keys if band_keys is not None else dedup.band_keys(sig)
    keys = exact_keys(own_url_key, canonical, content_hash)
    owner = (
        article_rows.claim_keys(s, article_id, keys)
        if owners is None
        else article_rows.first_taken(owners, article_id, keys)
    )
    near = None if owner is not None else _nearest(s, article_id, sig, band_keys, index)
    if owner is not None:
        rule = "canonical" if owner[1].startswith("url:") else "text"
        result = _mark_copy(s, article_id, owner[0], rule, 1.0)
    elif near is not None:
        result = _mark_copy(s, article_id, near[0], "near", near[1])
    else:
        result = Stored(article_id, "stored")
        if not story_set:
            article_rows.update_article(s, article_id, story_id=article_id)
    index.add(article_id, band_keys)
    if bands is None:
        index.write(s)
    return result


def _link_translation(
    s: Session,
    article_id: int,
    host: str,
    ex: Extracted,
    sig: translation.Signature | None,
    keys: list[str],
    bands: dedup_rows.Bands,
) -> None:
    """Language versions join one story, marked as translations: those named by ``hreflang``,
    else a stored uk/ru version on this host whose anchors match (``ingest.translation``)."""
    named = translation.alternate_keys(ex.alternates, ex.language)
    other = article_rows.translation_of(s, article_id, named)
    if other is None and sig is not None:
        me = translation.Version(sig, ex.language, host, ex.published_at)
        match = translation.first_translation(
            me, dedup_rows.stored_versions(s, keys, exclude=article_id, bands=bands)
        )
        other = article_rows.root_of(s, match) if match is not None else None
    if other is not None:
        article_rows.update_article(
            s, article_id, translation_of=other, story_id=article_rows.story_of(s, other)
        )
    bands.add(article_id, keys)


def _nearest(
    s: Session,
    article_id: int,
    sig: dedup.Signature,
    band_keys: list[str],
    bands: dedup_rows.Bands,
) -> tuple[int, float] | None:
    """The stored article this text is a near-copy of (highest containment), if any."""
    best: tuple[int, float] | None = None
    for cand in dedup_rows.candidates(s, band_keys, exclude=article_id, bands=bands):
        other = dedup.Signature.from_bytes(cand.signature)
        if not dedup.is_near_duplicate(sig, other):
            continue
        score = dedup.containment(sig, other)
        if best is None or score > best[1]:
            best = (cand.article_id, score)
    return best


def _mark_copy(s: Session, article_id: int, owner: int, rule: str, similarity: float) -> Stored:
    """Record the copy; if this article is in fact the earlier one, it takes over the story."""
    root = article_rows.root_of(s, owner)
    if root == article_id:  # a copy of this very article (seen again by reextract or rebuild)
        article_rows.update_article(
            s,
            article_id,
            status="stored",
            story_id=article_id,
            duplicate_of=None,
            duplicate_rule=None,
            similarity=None,
        )
        return Stored(article_id, "stored")
    me, first = s.get(Article, article_id), s.get(Article, root)
    if (
        me is not None
        and first is not None
        and article_rows.precedence(me) < article_rows.precedence(first)
    ):
        article_rows.adopt_story(s, article_id, root, rule, similarity)
        return Stored(article_id, "stored")
    article_rows.update_article(
        s,
        article_id,
        status="duplicate",
        duplicate_of=root,
        duplicate_rule=rule,
        similarity=round(similarity, 4),
        story_id=article_rows.story_of(s, root),
    )
    return Stored(article_id, "duplicate", root, rule)


def _find_followups(
    article_id: int, text: str, published: datetime, language: str | None
) -> list[FollowUp]:
    """Announcements in the text; a finder failure must not lose the article (logged, none)."""
    try:
        return find_followups(text, published, language)
    except Exception:
        log.exception("article %s: follow-up finding failed", article_id)
        return []


def _follow_ups(
    s: Session,
    article_id: int,
    a: Analysed,
    events: followup_rows.OpenEvents,
    propagate: tuple[type[Exception], ...],
) -> None:
    """Announcements this article makes, and events it reports as having happened; ``events``
    is the batch's view of the open events, which both keep up to date.

    All or nothing, in a savepoint: a failure there (a fault of the tracker, a row the database
    refuses) leaves no announcement without its event and no half-changed event, and costs the
    article its follow-ups, not its place: the batch's transaction goes on (on PostgreSQL a
    failed statement aborts the transaction it is in, savepoints aside). The reason is logged
    with the article; ``vistka articles reextract`` records them again once the fault is fixed.
    An article with nothing to record and no event it may cover takes no savepoint."""
    if not a.followups and not events.candidates(s, a.report):
        return
    today = utcnow().date()
    try:
        with s.begin_nested():
            followup_rows.record(s, article_id, a.followups, a.extracted.language, today, events)
            followup_rows.mark_coverage(s, article_id, a.report, today, events)
    except Exception as error:
        if isinstance(error, (*UNAVAILABLE, *propagate)):
            raise
        events.forget()  # it may hold what the savepoint's rollback took back
        log.exception("article %s: recording follow-ups failed", article_id)


def _canonical(declared: str | None, page_url: str) -> str:
    for candidate in (declared, page_url):
        if candidate:
            try:
                return canonical_url(candidate, base=page_url)
            except BadURL:
                continue
    return page_url


def _fields(
    ex: Extracted,
    text: str,
    canonical: str,
    content_hash: str,
    signature: bytes,
    settings: Settings,
) -> dict[str, object]:
    fields: dict[str, object] = {
        "status": "stored",
        "lease_until": None,
        "fail_reason": None,
        "title": ex.title,
        "text": text,
        "description": ex.description,
        "author": ex.author,
        "published_at": ex.published_at,
        "language": ex.language,
        "canonical_url": canonical,
        "canonical_key": url_key(canonical),
        "tags": json.dumps(list(ex.tags), ensure_ascii=False) if ex.tags else None,
        "image": ex.image,
        "extractor": ex.extractor,
        "extractor_version": ex.extractor_version,
        "content_hash": content_hash,
        "signature": signature,
        "story_id": None,
        "alternates": json.dumps([list(a) for a in ex.alternates]) if ex.alternates else None,
        "duplicate_of": None,
        "duplicate_rule": None,
        "similarity": None,
        "stored_at": utcnow(),
    }
    if settings.keep_raw_html == "hash":
        fields["raw_html"] = None  # only raw_sha256 is kept
    return fields
