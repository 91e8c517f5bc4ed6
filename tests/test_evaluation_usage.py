"""Page views and downloads counted on the server, per commune, kind and day: nothing about a person.

Through the real middleware stack (sync test client and the ASGI path), the batch into
``DailyUsage``, the shared Redis hash (services), and end to end through a daphne process, Redis and
a real Celery worker.
"""

from __future__ import annotations

import datetime
import json
import urllib.request

import pytest
from django.test import AsyncClient
from django.utils import timezone

from evaluation import usage
from evaluation.models import DailyUsage, PageKind, UsageBatch
from evaluation.tasks import usage_flush
from tests.conftest import wait_for
from tests.factories import CommuneFactory
from tests.factories_forums import ThreadFactory
from tests.factories_publications import DocumentFileFactory, PublishedDocumentFactory
from tests.factories_sessions import LiveSessionFactory

BROWSER = (
    "Mozilla/5.0 (Linux; Android 10; TECNO KE5) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120 Mobile Safari/537.36"
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _counts_stay_in_memory(settings) -> None:  # type: ignore[no-untyped-def]
    """This process hands its counts over only when a test says so (``usage.push()``)."""
    settings.USAGE_PUSH_SECONDS = 3600


def views_of(commune, kind: str) -> int:  # type: ignore[no-untyped-def]
    return sum(DailyUsage.objects.filter(commune=commune, kind=kind).values_list("views", flat=True))


def test_a_human_view_of_a_commune_page_is_counted_once(client, reference_data) -> None:  # type: ignore[no-untyped-def]
    commune = CommuneFactory(slug="cotonou-test")
    assert client.get(f"/communes/{commune.slug}/", HTTP_USER_AGENT=BROWSER).status_code == 200
    day = timezone.localdate().isoformat()
    assert usage.pending_local() == {f"{day}|commune|s:{commune.slug}": 1}
    assert usage_flush() == 1
    row = DailyUsage.objects.get(commune=commune)
    assert (row.day, row.kind, row.views) == (timezone.localdate(), PageKind.COMMUNE, 1)
    # A second batch finds nothing more: counted once.
    assert usage_flush() == 0
    assert DailyUsage.objects.get(commune=commune).views == 1


def test_pages_answered_from_the_read_cache_count_too(client, reference_data) -> None:  # type: ignore[no-untyped-def]
    commune = CommuneFactory()
    for _ in range(3):
        assert client.get(f"/communes/{commune.slug}/", HTTP_USER_AGENT=BROWSER).status_code == 200
    usage_flush()
    assert views_of(commune, PageKind.COMMUNE) == 3


@pytest.mark.parametrize(
    "agent",
    [
        "",
        "Googlebot/2.1 (+http://www.google.com/bot.html)",
        "facebookexternalhit/1.1",
        "WhatsApp/2.23",
        "curl/8.5.0",
        "python-requests/2.32",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120",
        "UptimeRobot/2.0",
    ],
)
def test_bots_and_scripts_are_not_counted(client, reference_data, agent: str) -> None:  # type: ignore[no-untyped-def]
    commune = CommuneFactory()
    assert client.get(f"/communes/{commune.slug}/", HTTP_USER_AGENT=agent).status_code == 200
    assert usage.pending_local() == {}
    assert usage_flush() == 0
    assert not DailyUsage.objects.exists()


def test_what_is_not_a_read_is_not_counted(client, reference_data) -> None:  # type: ignore[no-untyped-def]
    commune = CommuneFactory()
    # Not found, a prefetch, a HEAD, a form post, a page of no counted kind.
    client.get("/communes/no-such-commune/", HTTP_USER_AGENT=BROWSER)
    client.get(f"/communes/{commune.slug}/", HTTP_USER_AGENT=BROWSER, HTTP_SEC_PURPOSE="prefetch")
    client.head(f"/communes/{commune.slug}/", HTTP_USER_AGENT=BROWSER)
    client.post(f"/communes/{commune.slug}/suivre/", HTTP_USER_AGENT=BROWSER)
    client.get("/connexion/", HTTP_USER_AGENT=BROWSER)
    client.get("/api/v1/communes/", HTTP_USER_AGENT=BROWSER)
    assert usage.pending_local() == {}


def test_pages_named_by_their_object_count_for_its_commune(client, reference_data) -> None:  # type: ignore[no-untyped-def]
    commune, other = CommuneFactory(), CommuneFactory()
    session = LiveSessionFactory(commune=commune)
    thread = ThreadFactory(category__commune=other)
    assert client.get(f"/seances/{session.pk}/", HTTP_USER_AGENT=BROWSER).status_code == 200
    assert client.get(f"/forum/sujets/{thread.pk}/", HTTP_USER_AGENT=BROWSER).status_code == 200
    # An object that does not exist (404) is not counted; one deleted before the batch is dropped.
    client.get("/seances/999999/", HTTP_USER_AGENT=BROWSER)
    usage_flush()
    assert views_of(commune, PageKind.SESSION) == 1
    assert views_of(other, PageKind.FORUM) == 1
    assert DailyUsage.objects.count() == 2


def test_file_downloads_count_as_downloads_from_the_page_and_the_api(client, reference_data) -> None:  # type: ignore[no-untyped-def]
    commune = CommuneFactory()
    document = PublishedDocumentFactory(commune=commune)
    file = DocumentFileFactory(document=document)
    page = client.get(
        f"/communes/{commune.slug}/documents/{document.pk}/fichiers/{file.pk}/", HTTP_USER_AGENT=BROWSER
    )
    api = client.get(f"/api/v1/documents/{document.pk}/files/{file.pk}/download/", HTTP_USER_AGENT=BROWSER)
    assert (page.status_code, api.status_code) == (200, 200)
    client.get(f"/communes/{commune.slug}/documents/{document.pk}/", HTTP_USER_AGENT=BROWSER)
    usage_flush()
    assert views_of(commune, PageKind.DOWNLOAD) == 2
    assert views_of(commune, PageKind.DOCUMENT) == 1


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_asgi_path_counts_in_the_event_loop(reference_data) -> None:  # type: ignore[no-untyped-def]
    from asgiref.sync import sync_to_async

    commune = await sync_to_async(CommuneFactory)()
    response = await AsyncClient().get(f"/communes/{commune.slug}/", headers={"user-agent": BROWSER})
    assert response.status_code == 200
    assert sum(usage.pending_local().values()) == 1
    assert await sync_to_async(usage_flush)() == 1


def test_nothing_about_the_reader_is_stored(client, reference_data, django_user_model) -> None:  # type: ignore[no-untyped-def]
    commune = CommuneFactory()
    client.force_login(
        django_user_model.objects.create_user(email="lecteur@example.bj", password="x" * 12, display_name="L")
    )
    client.get(
        f"/communes/{commune.slug}/",
        HTTP_USER_AGENT=BROWSER,
        REMOTE_ADDR="196.168.4.7",
        HTTP_X_FORWARDED_FOR="41.85.1.2",
    )
    held = json.dumps(usage.pending_local())
    assert "196.168" not in held and "41.85" not in held and "lecteur" not in held
    usage_flush()
    # The row's columns are the whole of what is kept.
    assert {f.name for f in DailyUsage._meta.get_fields()} == {"id", "commune", "day", "kind", "views"}
    assert DailyUsage.objects.get().views == 1


def test_the_batch_adds_to_existing_rows_and_ignores_malformed_counts(reference_data) -> None:  # type: ignore[no-untyped-def]
    commune = CommuneFactory()
    day = datetime.date(2026, 3, 4)
    DailyUsage.objects.create(commune=commune, day=day, kind=PageKind.DOCUMENT, views=5)
    written = usage._write(
        {
            f"{day}|document|s:{commune.slug}": 3,
            f"{day}|nonsense|s:{commune.slug}": 4,
            f"not-a-day|document|s:{commune.slug}": 4,
            f"{day}|document|s:unknown-commune": 4,
            "garbage": 9,
            f"{day}|document|publications.Document:abc": 1,
        }
    )
    assert written == 3
    assert DailyUsage.objects.get(commune=commune, day=day, kind=PageKind.DOCUMENT).views == 8


def test_counts_are_handed_to_redis_and_none_is_read_twice(client, reference_data, redis_required) -> None:  # type: ignore[no-untyped-def]
    from hub.redis_client import sync_redis

    commune = CommuneFactory()
    for _ in range(4):
        client.get(f"/communes/{commune.slug}/", HTTP_USER_AGENT=BROWSER)
    assert usage.push() == 1
    assert usage.pending_local() == {}
    shared = sync_redis().hgetall(usage._hash_key())
    day = timezone.localdate().isoformat()
    assert shared == {f"{day}|commune|s:{commune.slug}".encode(): b"4"}
    # A batch that died after taking the hash (renamed, not deleted) is finished by the next one,
    # once it is old enough not to be another batch's work in progress.
    stale = f"{usage._hash_key()}:taking:{time_ns_minutes_ago(30)}"
    sync_redis().hset(stale, f"{day}|commune|s:{commune.slug}", 2)
    assert usage_flush() == 6
    assert views_of(commune, PageKind.COMMUNE) == 6
    assert usage_flush() == 0
    assert not list(sync_redis().scan_iter(f"{usage._hash_key()}*"))


def test_a_batch_that_died_after_writing_its_rows_is_not_counted_twice(
    reference_data, redis_required
) -> None:  # type: ignore[no-untyped-def]
    from hub.redis_client import sync_redis

    # Given a batch that took the shared hash, wrote its rows, and died before deleting the hash
    commune = CommuneFactory()
    day = timezone.localdate().isoformat()
    stale = f"{usage._hash_key()}:taking:{time_ns_minutes_ago(30)}"
    sync_redis().hset(stale, f"{day}|commune|s:{commune.slug}", 5)
    assert usage._write(usage._decode(sync_redis().hgetall(stale)), batch=stale) == 5
    assert views_of(commune, PageKind.COMMUNE) == 5
    # When the next batch finds the hash it left
    assert usage_flush() == 0
    # Then the views are counted once, and the hash is gone
    assert views_of(commune, PageKind.COMMUNE) == 5
    assert not sync_redis().exists(stale)
    # And two runs taking the same counts add them once
    again = f"{usage._hash_key()}:taking:{time_ns_minutes_ago(20)}"
    counts = {f"{day}|commune|s:{commune.slug}": 3}
    assert [usage._write(counts, batch=again), usage._write(counts, batch=again)] == [3, 0]
    assert views_of(commune, PageKind.COMMUNE) == 8
    # And a batch's record is kept a day, no longer
    UsageBatch.objects.filter(name=again).update(written_at=timezone.now() - datetime.timedelta(days=2))
    usage_flush()
    assert list(UsageBatch.objects.values_list("name", flat=True)) == [stale]


def time_ns_minutes_ago(minutes: int) -> int:
    import time

    return time.time_ns() - minutes * 60 * 1_000_000_000


def test_views_counted_by_a_server_process_reach_the_database_through_the_worker(
    hub_server, celery_worker
) -> None:  # type: ignore[no-untyped-def]
    """daphne counts in its memory and hands the counts to Redis; the Celery worker's batch writes
    them into rows."""
    commune = CommuneFactory()
    session = LiveSessionFactory(commune=commune)
    for path in (f"/communes/{commune.slug}/", f"/communes/{commune.slug}/", f"/seances/{session.pk}/"):
        request = urllib.request.Request(hub_server.url + path, headers={"User-Agent": BROWSER})  # noqa: S310 (http, the test server)
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            assert response.status == 200

    def flushed() -> bool:
        usage_flush.delay().get(timeout=20)
        return views_of(commune, PageKind.COMMUNE) == 2 and views_of(commune, PageKind.SESSION) == 1

    assert wait_for(flushed, timeout=20, interval=0.5)
