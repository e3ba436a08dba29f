"""Request-wide security: headers, absolute session lifetime, denied-access logging."""

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import Error as DatabaseError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext

from ofr.audit import DeniedForbidden, DeniedNotFound, record_denied
from ofr.sessions import lapsed

ADMIN_PREFIX = "/admin/"


class SecurityHeadersMiddleware:
    """Content-Security-Policy on every page; no caching of signed-in pages."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = settings.CONTENT_SECURITY_POLICY
        if request.path.startswith(ADMIN_PREFIX):
            policy = settings.ADMIN_CONTENT_SECURITY_POLICY
        response.setdefault("Content-Security-Policy", policy)
        if signed_in_or_unknown(request):
            # Confidential pages must not stay in browser or proxy caches.
            patch_cache_control(response, no_store=True, private=True)
        return response


def signed_in_or_unknown(request: HttpRequest) -> bool:
    """Whether the user is signed in; True when the user could not be looked
    up because the database failed (the page is then never cached either)."""
    user = getattr(request, "user", None)
    if user is None:
        return False
    try:
        return user.is_authenticated
    except DatabaseError:
        return True


class SessionLifetimeMiddleware:
    """Signs the user out after SESSION_IDLE_MINUTES without a request (HIPAA
    automatic logoff) and SESSION_MAX_HOURS after sign-in, however active.

    The last-seen time is written at most once a minute, so that a page view
    does not cost a session write."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = timezone.now().timestamp()
            if lapsed(request.session, now):
                logout(request)
                messages.info(request, gettext("Your session has ended. Please sign in again."))
                return redirect_to_login(request.get_full_path())
            if now - request.session["seen_at"] >= 60:
                request.session["seen_at"] = now
        return self.get_response(request)


class DeniedAccessAuditMiddleware:
    """Logs every 404/403 a view raises for a signed-in user: those an access
    module raised for a guarded object, and any other (an item looked up
    under an object the user may see, e.g. another recommendation's evidence),
    so that a view written later is logged without having to remember it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        if isinstance(exception, DeniedNotFound | DeniedForbidden):
            record_denied(request, exception)
        elif isinstance(exception, Http404 | PermissionDenied) and request.user.is_authenticated:
            match = request.resolver_match
            denied = DeniedNotFound if isinstance(exception, Http404) else DeniedForbidden
            record_denied(request, denied(match.view_name if match else "", "", "view"))
        return None
