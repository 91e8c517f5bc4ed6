"""The council's open data (JSON, votes.csv, attendance.csv per commune and year): each equals a
recount from the database of a year with two council sessions, named and secret motions, proxies and
a correction; spreadsheet formulas are neutralised; another year is empty; the answers are what the
schema says; the query count does not grow with the year."""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any

import jsonschema
import pytest
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from council import services
from council.models import Attendance, Correction, CouncilMember, Motion, MotionVote
from sessions_live.models import SessionKind
from tests.factories import CommuneFactory
from tests.factories_council import Council, CouncilMemberFactory, CouncilSessionFactory, council
from tests.factories_sessions import LiveSessionFactory

pytestmark = pytest.mark.django_db

YEAR = 2024


def at(month: int, day: int, year: int = YEAR) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(year, month, day, 10, 0))


def record_year() -> tuple[Council, dict[str, Any]]:
    """A commune's 2024: two council sessions, a hearing; 2025 has a session too."""
    c = council(9, starts_at=at(3, 15))
    CouncilMember.objects.filter(commune=c.commune).update(mandate_start=datetime.date(2020, 6, 1))
    hacker = CouncilMemberFactory(
        commune=c.commune, full_name="=cmd()", mandate_start=datetime.date(2020, 6, 1)
    )
    gone = CouncilMemberFactory(
        commune=c.commune,
        full_name="Parti Avant",
        mandate_start=datetime.date(2018, 6, 1),
        mandate_end=datetime.date(2023, 6, 1),
    )
    m = [CouncilMember.objects.get(pk=x.pk) for x in c.members]
    sg = c.secretary
    # session 1: six present (the hacker too), one by proxy, one arrived late, one excused
    first = c.session
    entries = [{"member": x.pk, "status": "present"} for x in m[:5]]
    entries += [
        {"member": hacker.pk, "status": "present"},
        {"member": m[5].pk, "status": "proxy", "proxy_holder": m[1].pk},
        {"member": m[6].pk, "status": "late"},
        {"member": m[7].pk, "status": "excused"},
    ]
    services.roll_call(actor=sg, session=first, entries=entries)
    named = services.motion_open(actor=sg, session=first, title='=HYPERLINK("http://x")')
    votes = [{"member": x.pk, "choice": "for"} for x in m[:3]]
    votes += [
        {"member": m[3].pk, "choice": "against"},
        {"member": m[4].pk, "choice": "abstain"},
        {"member": hacker.pk, "choice": "against"},
        {"member": m[5].pk, "choice": "for"},  # cast by m[1], the proxy holder
        {"member": m[6].pk, "choice": "not_voting"},
    ]
    services.votes_record(actor=sg, motion=named, votes=votes)
    services.motion_close(actor=sg, motion=named)
    services.vote_correct(actor=sg, motion=named, member=m[4].pk, choice="for", reason="Erreur")
    secret = services.motion_open(actor=sg, session=first, title="Élection du bureau", secret=True)
    services.counts_record(actor=sg, motion=secret, counts={"for": 5, "against": 3, "abstain": 0})
    services.motion_close(actor=sg, motion=secret)
    # session 2, in October: six present, a named motion
    second = CouncilSessionFactory(commune=c.commune, starts_at=at(10, 20))
    services.roll_call(
        actor=sg, session=second, entries=[{"member": x.pk, "status": "present"} for x in m[:6]]
    )
    motion = services.motion_open(actor=sg, session=second, title="Voirie")
    services.votes_record(actor=sg, motion=motion, votes=[{"member": x.pk, "choice": "for"} for x in m[:6]])
    services.motion_close(actor=sg, motion=motion)
    # elsewhere in time and kind: a hearing in 2024, a council session in 2025
    LiveSessionFactory(commune=c.commune, kind=SessionKind.HEARING, starts_at=at(5, 5))
    later = CouncilSessionFactory(commune=c.commune, starts_at=at(2, 2, year=2025))
    services.roll_call(actor=sg, session=later, entries=[{"member": m[0].pk, "status": "present"}])
    return c, {"first": first, "second": second, "later": later, "hacker": hacker, "gone": gone}


def get(name: str, slug: str, year: int, **kwargs: Any) -> Any:
    return APIClient().get(reverse(f"council-api:{name}", args=[slug, year]), **kwargs)


def csv_rows(response: Any) -> list[dict[str, str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:]), delimiter=";"))


def test_the_json_equals_a_recount_from_the_database():
    # given a year recorded
    c, year = record_year()
    # when its record is read
    response = get("record", c.commune.slug, YEAR)
    assert response.status_code == 200, response.content
    body = response.json()
    # then the members are those in office that year, each as the API shows them
    in_office = {
        pk
        for pk, start, end in CouncilMember.objects.filter(commune=c.commune).values_list(
            "pk", "mandate_start", "mandate_end"
        )
        if start <= datetime.date(YEAR, 12, 31) and (end is None or end >= datetime.date(YEAR, 1, 1))
    }
    assert {m["id"] for m in body["members"]} == in_office and year["gone"].pk not in in_office
    assert (body["commune"]["slug"], body["year"]) == (c.commune.slug, YEAR)
    # and the sessions are the two council sessions of the year, in order
    assert [s["id"] for s in body["sessions"]] == [year["first"].pk, year["second"].pk]
    for session in body["sessions"]:
        lines = Attendance.objects.filter(session_id=session["id"])
        assert sorted((a["member"], a["status"], a["proxy_holder"]) for a in session["attendance"]) == sorted(
            lines.values_list("member_id", "status", "proxy_holder_id")
        )
        present = lines.filter(status__in=("present", "late")).count()
        assert session["quorum"]["present"] == present and session["quorum"]["in_office"] == 10
        motions = Motion.objects.filter(session_id=session["id"]).order_by("number")
        assert [m["id"] for m in session["motions"]] == [m.pk for m in motions]
        for data, motion in zip(session["motions"], motions, strict=True):
            assert data["result"] == motion.result and data["secret"] == motion.secret
            rows = MotionVote.objects.filter(motion=motion)
            assert sorted((v["member"], v["choice"], v["cast_by"]) for v in data["votes"]) == sorted(
                rows.values_list("member_id", "choice", "cast_by_id")
            )
            if not motion.secret:
                recount = {k: rows.filter(choice=k).count() for k in ("for", "against", "abstain")}
                assert {k: data["tally"][k] for k in recount} == recount
            assert len(data["corrections"]) == Correction.objects.filter(motion=motion).count()
    first = body["sessions"][0]
    assert first["quorum"]["represented"] == 1 and first["date"] == "2024-03-15"
    named, secret = first["motions"]
    assert named["tally"] == {"for": 5, "against": 2, "abstain": 0, "not_voting": 1}  # after the correction
    assert named["corrections"][0]["before"] == {"choice": "abstain"}
    assert (
        secret["tally"] == {"for": 5, "against": 3, "abstain": 0, "not_voting": 0} and secret["votes"] == []
    )
    assert response["Content-Disposition"].startswith("attachment")


def test_votes_csv_has_each_named_vote_and_each_secret_ballot_once():
    c, year = record_year()
    response = get("record-votes-csv", c.commune.slug, YEAR)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = csv_rows(response)
    motions = Motion.objects.filter(session__in=[year["first"], year["second"]])
    named_votes = MotionVote.objects.filter(motion__in=motions).select_related("member", "motion")
    # one row per named vote, as recorded (the correction applied)
    named_rows = [r for r in rows if r["secret"] == "false"]
    assert sorted((int(r["motion_id"]), int(r["member_id"]), r["choice"]) for r in named_rows) == sorted(
        (v.motion_id, v.member_id, v.choice) for v in named_votes
    )
    proxy = next(r for r in named_rows if r["cast_by_id"])
    assert (
        proxy["cast_by_name"]
        and int(proxy["cast_by_id"]) == MotionVote.objects.get(cast_by__isnull=False).cast_by_id
    )
    assert sum(r["corrected"] == "true" for r in named_rows) == 1
    assert all(r["for"] == "" for r in named_rows)
    # one row per secret ballot, with its counts and no member
    [secret] = [r for r in rows if r["secret"] == "true"]
    ballot = motions.get(secret=True)
    assert (secret["member_id"], secret["member_name"], secret["choice"]) == ("", "", "")
    assert (int(secret["for"]), int(secret["against"]), int(secret["abstain"])) == (
        ballot.votes_for,
        ballot.votes_against,
        ballot.abstentions,
    )
    assert secret["result"] == ballot.result and secret["session_date"] == "2024-03-15"
    # formulas are neutralised: the member "=cmd()" and the motion "=HYPERLINK(…)"
    hacker_rows = [r for r in named_rows if int(r["member_id"]) == year["hacker"].pk]
    assert [r["member_name"] for r in hacker_rows] == ["'=cmd()"]
    assert all(not r["motion_title"].startswith("=") for r in rows)
    assert any(r["motion_title"].startswith("'=HYPERLINK") for r in rows)


def test_attendance_csv_has_each_roll_call_line():
    c, year = record_year()
    response = get("record-attendance-csv", c.commune.slug, YEAR)
    assert response.status_code == 200
    rows = csv_rows(response)
    lines = Attendance.objects.filter(session__in=[year["first"], year["second"]])
    assert sorted(
        (int(r["session_id"]), int(r["member_id"]), r["status"], r["proxy_holder_id"]) for r in rows
    ) == sorted((a.session_id, a.member_id, a.status, str(a.proxy_holder_id or "")) for a in lines)
    late = next(r for r in rows if r["status"] == "late")
    assert late["arrived_at"]
    proxy = next(r for r in rows if r["status"] == "proxy")
    assert proxy["proxy_holder_name"]
    assert "'=cmd()" in [r["member_name"] for r in rows] and "=cmd()" not in [r["member_name"] for r in rows]


def test_another_year_is_empty_and_years_out_of_range_or_unknown_communes_are_404():
    c, _year = record_year()
    empty = get("record", c.commune.slug, 2023).json()
    assert empty["sessions"] == [] and empty["year"] == 2023
    for name in ("record-votes-csv", "record-attendance-csv"):
        assert csv_rows(get(name, c.commune.slug, 2023)) == []
    for bad in (1989, 2201, 99999):
        response = get("record", c.commune.slug, bad)
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
        csv_response = get("record-votes-csv", c.commune.slug, bad, HTTP_ACCEPT="text/csv")
        assert csv_response.status_code == 404 and csv_response["Content-Type"].startswith("application/json")
    nowhere = get("record", "nowhere", YEAR)
    assert nowhere.status_code == 404 and nowhere.json()["error"]["code"] == "commune_not_found"
    assert get("record", CommuneFactory().slug, YEAR).json()["sessions"] == []


def test_the_record_s_query_count_does_not_grow_with_the_year(django_assert_num_queries):
    # the commune, the sessions, the roll calls, the members and their committees, the motions,
    # their votes, their corrections, the rules
    c, _year = record_year()
    with django_assert_num_queries(9):
        assert get("record", c.commune.slug, YEAR).status_code == 200
    with django_assert_num_queries(9):
        assert get("record-votes-csv", c.commune.slug, YEAR).status_code == 200
    # a year without motions asks nothing of votes or corrections
    with django_assert_num_queries(7):
        assert get("record", c.commune.slug, 2025).status_code == 200


def test_the_exports_share_the_export_budget(monkeypatch):
    monkeypatch.setattr(
        SimpleRateThrottle,
        "THROTTLE_RATES",
        {"anon": "1000/min", "user": "1000/min", "auth": "1000/min", "export": "2/hour"},
    )
    commune = CommuneFactory()
    statuses = [get("record", commune.slug, YEAR).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    throttled = get("record-attendance-csv", commune.slug, YEAR, HTTP_ACCEPT="text/csv")
    assert throttled.status_code == 429 and throttled.json()["error"]["code"] == "throttled"


# --- The answers are what the schema says -------------------------------------------------------------


def _json_schema(node: Any) -> Any:
    """An OpenAPI 3.0 schema as JSON Schema (``nullable`` as a null alternative)."""
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: _json_schema(value) for key, value in node.items() if key != "nullable"}
    if node.get("nullable"):
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


@pytest.fixture(scope="module")
def components() -> dict[str, Any]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return _json_schema(schema["components"])


def conforms(components: dict[str, Any], component: str, body: Any, *, many: bool = False) -> None:
    ref = {"$ref": f"#/components/schemas/{component}"}
    root = {"components": components, **({"type": "array", "items": ref} if many else ref)}
    jsonschema.validate(body, root)


def test_every_council_read_answers_what_the_schema_says(components):
    from tests.test_council_api import _busy_council

    c, year = record_year()
    api = APIClient()
    conforms(components, "CouncilRecordOut", get("record", c.commune.slug, YEAR).json())
    busy = _busy_council(8, motions=2)
    motion = Motion.objects.filter(session=busy.session).first()
    assert motion is not None
    services.vote_correct(
        actor=busy.secretary, motion=motion, member=busy.mayor.pk, choice="against", reason="Erreur"
    )
    reads = [
        ("CouncilOut", f"/api/v1/communes/{busy.commune.slug}/council/", False),
        ("CouncilMemberDetailOut", f"/api/v1/council/members/{busy.mayor.pk}/", False),
        ("CouncilSessionOut", f"/api/v1/sessions/{busy.session.pk}/council/", False),
        ("CouncilSessionOut", f"/api/v1/sessions/{year['first'].pk}/council/", False),
        ("CouncilMotionOut", f"/api/v1/sessions/{busy.session.pk}/motions/", True),
        ("CouncilMotionDetailOut", f"/api/v1/motions/{motion.pk}/", False),
    ]
    for component, path, many in reads:
        response = api.get(path)
        assert response.status_code == 200, path
        conforms(components, component, response.json(), many=many)
