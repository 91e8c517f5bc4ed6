"""The thread page, and the one place a forum post is rendered.

A post is ``frontend/forums/_post.html`` with the context of ``post_context`` (the thread, whether
the viewer moderates it, the flag reasons): the page includes it for every post, and so does the
fragment ``thread_posts`` that the page's live updates (``forum.js``) fetch for the posts that
changed since a sequence number. A post that arrives live is therefore the post the page would
show after a reload, with this viewer's actions and CSRF tokens, its date written by the server.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from forums import selectors
from forums.models import ProposalStatus, Thread, ThreadStatus
from frontend.forums.forms import FlagForm, ProposalStatusForm, ReplyForm, StatusForm
from frontend.forums.pages.common import int_param
from frontend.publications.common import handles_domain_errors
from frontend.views import bad_request

POSTS_PER_FRAGMENT = 50


def post_context(request: HttpRequest, thread: Thread) -> dict[str, Any]:
    """What ``_post.html`` reads besides the post and the user."""
    return {
        "thread": thread,
        "is_moderator": selectors.is_moderator(request.user, thread.commune),
        "flag_form": FlagForm(),
    }


def official_answer_id(thread: Thread) -> int | None:
    """The post shown in the official answer section: the thread's answer, unless it was removed."""
    answer = thread.official_answer
    if answer is None or not answer.is_official or answer.is_removed:
        return None
    return answer.pk


@require_GET
@handles_domain_errors
def thread_page(request: HttpRequest, pk: int) -> HttpResponse:
    thread = selectors.access_thread(request.user, pk)
    return thread_render(request, thread)


def thread_render(
    request: HttpRequest, thread: Thread, reply_form: ReplyForm | None = None, status: int = 200
) -> HttpResponse:
    posts = list(selectors.post_list(user=request.user, thread=thread))
    answer_id = official_answer_id(thread)
    answer = next((p for p in posts if p.pk == answer_id), None)
    commune = thread.commune
    user = request.user
    context = {
        **post_context(request, thread),
        "commune": commune,
        "opening": next((p for p in posts if p.is_opening), None),
        "answer": answer,
        # the official answer is shown once, first, in its own section
        "posts": [p for p in posts if not p.is_opening and p is not answer],
        "viewer": selectors.thread_viewer_state(user, thread),
        "reply_form": reply_form or ReplyForm(initial={"quote_of": int_param(request, "citer")}),
        "status_form": StatusForm(initial={"status": thread.status}),
        "proposal_form": ProposalStatusForm(initial={"proposal_status": thread.proposal_status}),
        "status_labels": json.dumps({str(v): str(label) for v, label in ThreadStatus.choices}),
        "proposal_labels": json.dumps({str(v): str(label) for v, label in ProposalStatus.choices}),
        "can_answer": user.is_authenticated and user.has_perm("forums.answer_officially", commune),
        "mute": selectors.active_mute(commune_id=commune.pk, user_id=user.pk)
        if user.is_authenticated
        else None,
    }
    return render(request, "frontend/forums/thread.html", context, status=status)


@require_GET
@never_cache
@handles_domain_errors
def thread_posts(request: HttpRequest, pk: int) -> HttpResponse:
    """The posts of a thread changed since ``?apres=<seq>``, as the thread page shows them to this
    viewer; a post hidden from this viewer comes as a ``data-gone`` marker. ``data-seq`` says up to
    which number the answer is complete (the thread's number, read before the posts; the last post's
    when there are more to fetch), ``data-answer`` which post the answer section holds."""
    after = int_param(request, "apres")
    if after is None:
        return bad_request(request)
    thread = selectors.access_thread(request.user, pk)
    seq = thread.event_seq
    changed = selectors.post_list(user=request.user, thread=thread, after_seq=after)
    posts = list(changed[: POSTS_PER_FRAGMENT + 1])
    if len(posts) > POSTS_PER_FRAGMENT:
        posts = posts[:POSTS_PER_FRAGMENT]
        seq = posts[-1].seq
    context = {**post_context(request, thread), "posts": posts, "seq": seq}
    context["answer_id"] = official_answer_id(thread)
    return render(request, "frontend/forums/_posts_since.html", context)
