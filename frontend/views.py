"""Server-rendered pages. Each view calls the same selectors and services as the API."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import i18n as i18n_views
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from frontend.forms import (
    CommuneSearchForm,
    LoginForm,
    PasswordChangeForm,
    PasswordResetRequestForm,
    ProfileForm,
    SignupForm,
    apply_field_errors,
)
from hub import overload
from hub.api.errors import (
    json_bad_request,
    json_csrf_failure,
    json_forbidden,
    json_page_not_found,
    json_server_error,
    wants_json,
)
from hub.context import request_ip
from hub.errors import DomainError, InvalidInput, NotFound, Throttled
from hub.models import User
from hub.selectors import (
    commune_get,
    commune_list,
    department_list,
    signed_in,
    user_follows,
    user_memberships,
)
from hub.services import accounts, communes
from notifications import selectors as notification_selectors
from notifications import services as notification_services
from notifications import wording as notification_wording
from sessions_live import selectors as session_selectors


def _set_language(response: HttpResponse, language: str) -> HttpResponse:
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600, samesite="Lax")
    return response


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback


def home(request: HttpRequest) -> HttpResponse:
    form = CommuneSearchForm(request.GET or None)
    query = form.cleaned_data if form.is_valid() else {"q": "", "department": ""}
    communes_qs = commune_list(user=request.user, q=query["q"], department=query["department"])
    page = Paginator(communes_qs, 80).get_page(request.GET.get("page"))
    live_now = list(session_selectors.session_list(status="live").order_by("-started_at")[:5])
    return render(
        request,
        "frontend/home.html",
        {
            "form": form,
            "page": page,
            "departments": department_list(),
            "query": query,
            "live_now": live_now,
        },
    )


def commune_detail(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        commune = commune_get(slug=slug, user=request.user)
    except NotFound:
        return page_not_found(request, None)
    live_now = session_selectors.session_list(commune=commune.slug, status="live")
    live = list(live_now.order_by("starts_at")[:3])
    return render(request, "frontend/commune.html", {"commune": commune, "live_sessions": live})


@require_POST
def commune_follow_toggle(request: HttpRequest, slug: str) -> HttpResponse:
    """No-JavaScript fallback of the follow button (the button itself calls the API)."""
    if not request.user.is_authenticated:
        return redirect(f"{reverse('frontend:login')}?next={reverse('frontend:commune', args=[slug])}")
    try:
        commune = commune_get(slug=slug, user=request.user)
    except NotFound:
        return page_not_found(request, None)
    if request.POST.get("action") == "unfollow":
        communes.commune_unfollow(user=signed_in(request.user), commune=commune)
        messages.success(request, _("You no longer follow %(commune)s.") % {"commune": commune.name})
    else:
        communes.commune_follow(user=signed_in(request.user), commune=commune)
        messages.success(request, _("You now follow %(commune)s.") % {"commune": commune.name})
    return redirect("frontend:commune", slug=slug)


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """Create an account, sign in, and go back where the citizen was (``?next=``, a path of this
    site only, checked as the login page checks it), or to the home page."""
    if request.user.is_authenticated:
        return redirect("frontend:profile")
    form = SignupForm(request.POST or None, initial={"preferred_language": translation.get_language()})
    context = {"form": form, "next": _safe_next(request, "")}
    if request.method == "POST" and form.is_valid():
        try:
            user = accounts.user_signup(**form.cleaned_data, ip=request_ip(request))
        except InvalidInput as exc:
            apply_field_errors(form, exc.details.get("fields"), exc.message)
        except Throttled as exc:
            form.add_error(None, exc.message)
            return render(request, "frontend/signup.html", context, status=429)
        else:
            login(request, user, backend="hub.auth_backends.IdentifierBackend")
            messages.success(request, _("Welcome to Communes+! Your account is ready."))
            redirect_to = HttpResponseRedirect(_safe_next(request, reverse("frontend:home")))
            return _set_language(redirect_to, user.preferred_language)
    status = 400 if request.method == "POST" else 200
    return render(request, "frontend/signup.html", context, status=status)


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                user = accounts.login_authenticate(
                    identifier=form.cleaned_data["identifier"],
                    password=form.cleaned_data["password"],
                    ip=request_ip(request),
                    request=request,
                )
            except Throttled as exc:
                form.add_error(None, exc.message)
                status = 429
            except InvalidInput as exc:
                form.add_error(None, exc.message)
            else:
                login(request, user, backend="hub.auth_backends.IdentifierBackend")
                redirect_to = HttpResponseRedirect(_safe_next(request, reverse("frontend:home")))
                return _set_language(redirect_to, user.preferred_language)
    context = {"form": form, "next": _safe_next(request, "")}
    response = render(request, "frontend/login.html", context, status=status)
    if status == 429:
        response["Retry-After"] = str(settings.LOGIN_FAILURE_WINDOW)
    return response


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch, which also remembers the choice in a signed-in user's profile
    (otherwise the next sign-in would switch back to the profile's language)."""
    response = i18n_views.set_language(request)
    language = request.POST.get("language", "")
    user = request.user
    if user.is_authenticated and language in User.Language.values and language != user.preferred_language:
        accounts.user_update_profile(user=signed_in(user), preferred_language=language)
    return response


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.session.session_key and request.user.is_authenticated:
        accounts.sign_out_sockets(accounts.auth_ref_for_session(request.session.session_key))
    logout(request)
    messages.info(request, _("You are signed out."))
    return redirect("frontend:home")


@require_http_methods(["GET", "POST"])
def password_reset(request: HttpRequest) -> HttpResponse:
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            accounts.password_reset_request(
                identifier=form.cleaned_data["identifier"], ip=request_ip(request)
            )
        except Throttled as exc:
            form.add_error(None, exc.message)
            return render(request, "frontend/password_reset.html", {"form": form}, status=429)
        return redirect("frontend:password-reset-sent")
    return render(request, "frontend/password_reset.html", {"form": form})


def password_reset_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "frontend/password_reset_sent.html")


class PasswordResetConfirm(auth_views.PasswordResetConfirmView):
    template_name = "frontend/password_reset_confirm.html"
    success_url = reverse_lazy("frontend:login")

    def form_valid(self, form):  # type: ignore[no-untyped-def]
        # Through the service (not form.save()), so that tokens are revoked and sockets closed.
        try:
            accounts.password_set(user=form.user, new_password=form.cleaned_data["new_password1"])
        except InvalidInput as exc:
            apply_field_errors(
                form, {"new_password1": exc.details.get("fields", {}).get("password", [])}, exc.message
            )
            return self.form_invalid(form)
        self.request.session.pop(auth_views.INTERNAL_RESET_SESSION_TOKEN, None)
        messages.success(self.request, _("Your password has been changed. You can sign in now."))
        return HttpResponseRedirect(str(self.get_success_url()))


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    user = signed_in(request.user)
    initial = {
        "display_name": user.display_name,
        "email": user.email or "",
        "phone": user.phone or "",
        "preferred_language": user.preferred_language,
    }
    form = ProfileForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                accounts.user_update_profile(user=user, **form.cleaned_data)
            except DomainError as exc:
                apply_field_errors(form, exc.details.get("fields"), exc.message)
            else:
                translation.activate(user.preferred_language)
                messages.success(request, _("Your profile has been saved."))
                return _set_language(redirect("frontend:profile"), user.preferred_language)
    context = {
        "form": form,
        "memberships": user_memberships(user=user),
        "follows": user_follows(user=user),
    }
    return render(request, "frontend/profile.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    user = signed_in(request.user)
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            accounts.password_change(
                user=user,
                current_password=form.cleaned_data["current_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except InvalidInput as exc:
            fields = dict(exc.details.get("fields") or {})
            if "password" in fields:
                fields["new_password"] = fields.pop("password")
            apply_field_errors(form, fields, exc.message)
        else:
            update_session_auth_hash(request, user)  # this browser stays signed in
            messages.success(request, _("Your password has been changed. Your other devices are signed out."))
            return redirect("frontend:profile")
    status = 400 if request.method == "POST" else 200
    return render(request, "frontend/password_change.html", {"form": form}, status=status)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if wants_json(request):
        return json_page_not_found(request)
    return TemplateResponse(request, "frontend/404.html", status=404).render()


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if wants_json(request):
        return json_bad_request(request)
    return render(request, "frontend/400.html", status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if wants_json(request):
        return json_forbidden(request)
    return render(request, "frontend/403.html", status=403)


def server_error(request: HttpRequest) -> HttpResponse:
    if wants_json(request):
        return json_server_error(request)
    why = overload.cause()  # busy, or the database or Redis away: come back soon (hub/overload.py)
    if why is not None:
        # No request context: its processors would ask the database for the visitor's session.
        page = render_to_string("frontend/503.html", {"lost": why in ("database", "redis")})
        response = HttpResponse(page, status=503)
        response["Retry-After"] = str(overload.retry_after())
        return response
    return render(request, "frontend/500.html", status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    if wants_json(request):
        return json_csrf_failure(request, reason)
    return render(request, "frontend/403_csrf.html", status=403)


@login_required
@require_http_methods(["GET", "POST"])
def notifications_page(request: HttpRequest) -> HttpResponse:
    user = signed_in(request.user)
    if request.method == "POST":
        notification_services.notification_mark_all_read(user=user)
        messages.success(request, _("All notifications are marked as read."))
        return redirect("frontend:notifications")
    page = Paginator(notification_selectors.inbox(user=user), 30).get_page(request.GET.get("page"))
    for notification in page.object_list:
        # Publications carry their type label; forum and session events get theirs by kind.
        notification.label = notification_wording.label(notification.event.kind, notification.event.payload)
    return render(request, "frontend/notifications.html", {"page": page})


@csrf_exempt  # mail clients' one-click unsubscribe POSTs without a CSRF token; the signed token decides
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """E-mail unsubscribe link: GET asks (mail scanners follow links), POST acts (also one-click)."""
    try:
        target = notification_services.unsubscribe_target(token=token)
    except InvalidInput:
        return render(request, "frontend/unsubscribe.html", {"invalid": True}, status=400)
    if request.method == "POST":
        notification_services.email_unsubscribe(target=target)
        return render(request, "frontend/unsubscribe.html", {"target": target, "done": True})
    return render(request, "frontend/unsubscribe.html", {"target": target})
