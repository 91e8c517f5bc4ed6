"""The council's public pages: the council of a commune (members in office, past mandates), a page
per elected official (role, mandate, attendance, every named vote, questions answered, commitments
owned), the open data of its record, and the projector of a session (the screen of the council
room). Everything is server-rendered and complete without JavaScript; the projector's script only
keeps it current over the session's websocket."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from council import selectors
from frontend.council import data
from frontend.sessions.common import handles_domain_errors, session_get
from hub.selectors import commune_get
from sessions_live.models import LiveSession


@require_GET
@handles_domain_errors
def council(request: HttpRequest, slug: str) -> HttpResponse:
    commune = commune_get(slug=slug, user=request.user)
    today = timezone.localdate()
    everyone = list(selectors.members(commune, everyone=True))
    in_office = selectors.sort_members([m for m in everyone if m.in_office_on(today)])
    past = sorted(
        (m for m in everyone if m.mandate_end is not None and m.mandate_end < today),
        key=lambda m: (-m.mandate_end.toordinal() if m.mandate_end else 0, m.full_name),
    )
    for member in [*in_office, *past]:
        member.initials = data.initials(member.full_name)  # type: ignore[attr-defined]
        member.photo_url = data.photo_url(member)  # type: ignore[attr-defined]
    context = {"commune": commune, "members": in_office, "past": past}
    return render(request, "frontend/council/list.html", context)


@require_GET
@handles_domain_errors
def member_page(request: HttpRequest, slug: str, pk: int, member_slug: str) -> HttpResponse:
    commune = commune_get(slug=slug, user=request.user)
    member = selectors.member_get(pk, commune=commune)
    if member_slug != member.slug:
        return HttpResponsePermanentRedirect(member.get_absolute_url())
    record = selectors.member_record(member)
    context = {
        "commune": commune,
        "member": member,
        "initials": data.initials(member.full_name),
        "photo_url": data.photo_url(member),
        "in_office": member.in_office_on(timezone.localdate()),
        "record": record,
        "choice_counts": data.choice_counts(record.choices),
        "questions": data.answered_questions(member),
        "commitments": data.owned_commitments(member),
    }
    return render(request, "frontend/council/member.html", context)


@require_GET
@handles_domain_errors
def open_data(request: HttpRequest, slug: str) -> HttpResponse:
    commune = commune_get(slug=slug, user=request.user)
    years = [{"year": year, **data.open_data_links(slug, year)} for year in selectors.record_years(commune)]
    return render(request, "frontend/council/data.html", {"commune": commune, "years": years})


@require_GET
@handles_domain_errors
def projector(request: HttpRequest, pk: int) -> HttpResponse:
    session = session_get(pk)
    # The sequence number first: whatever the reads below include is replayed harmlessly (every event
    # replaces what it concerns), and nothing committed after it is missed.
    last_seq = LiveSession.objects.filter(pk=session.pk).values_list("last_seq", flat=True).get()
    record = selectors.session_record(session)
    panel = data.council_panel(record)
    agenda = list(session.agenda_items.all())
    poll = data.projected_poll(session)
    questions = data.projected_questions(session)
    context = {
        "session": session,
        "last_seq": last_seq,
        "agenda": agenda,
        "current_item": next((item for item in agenda if item.pk == session.current_item_id), None),
        "panel": panel,
        "motion": panel.current if panel else None,
        "labels_json": panel.labels_json if panel else json.dumps(data.labels(), ensure_ascii=False),
        "poll": poll,
        "questions": questions,
        "shown_questions": data.PROJECTOR_QUESTIONS,
        # One thing at a time on the screen: an open poll, else the questions, else the last results.
        "show_poll": poll is not None and (poll["status"] == "open" or not questions),
    }
    return render(request, "frontend/council/projector.html", context)
