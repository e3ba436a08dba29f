"""When the database cannot answer (a lock held past the timeout, the server
down or restarting), the person gets a plain 503 page saying nothing was
saved, with the text they typed given back so that they can copy it, instead
of a bare 500 that loses it.

Two ways in, one page:

- DatabaseUnavailableMiddleware.process_exception: a view's query failed.
- server_error and bad_request (the root URLconf's handler500 and
  handler400): a middleware's query failed (the session and user lookup
  before the view, the access log on a denial, the session save after it,
  which Django reports as a 400), which Django turns into an error response
  before any middleware's process_exception can see it.

The page is rendered without the request's context processors (they query
the database) from a template that extends nothing. Only visible text fields
are given back: never the CSRF token, a password, a hidden field or a file.
"""

import logging
import sqlite3
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.utils.cache import patch_cache_control
from django.views import defaults

logger = logging.getLogger(__name__)

# SQLite waits 20 s for a lock (settings: "timeout"); PostgreSQL's
# lock_timeout is shorter. A retry after this long likely finds it free.
RETRY_AFTER_SECONDS = 30

# Fields the app's forms send as hidden inputs (a guard test keeps this true):
# machine values, not something the person typed.
HIDDEN_FIELDS = frozenset(
    {
        "csrfmiddlewaretoken",
        "direction",
        "disposition",
        "form",
        "next",
        "opened_version",
        "recipient",
        "sort",
    }
)
SECRET_WORDS = ("password", "secret", "token")


def database_unavailable(error: BaseException | None) -> BaseException | None:
    """The error, or the one behind it, saying the database could not be
    reached or did not answer in time (Django turns a failed session save
    into a "session interrupted" 400, for one). The raw sqlite3 error covers a
    lock met outside Django's error wrapper."""
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, OperationalError | InterfaceError | sqlite3.OperationalError):
            return error
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return None


def echoed_fields(request: HttpRequest) -> list[dict[str, str]]:
    """The text fields of a POST, as typed, for the page to give back."""
    if request.method != "POST":
        return []
    try:
        posted = request.POST
    except Exception:  # an unreadable or already-consumed body: nothing to give back
        return []
    fields = []
    for name in posted:
        lowered = name.lower()
        if name in HIDDEN_FIELDS or any(word in lowered for word in SECRET_WORDS):
            continue
        for value in posted.getlist(name):
            if value.strip():
                fields.append(
                    {
                        "name": name,
                        "label": name.replace("_", " ").strip().capitalize() or name,
                        "id": f"typed-{len(fields) + 1}",
                        "value": value,
                    }
                )
    return fields


def unavailable_response(
    request: HttpRequest, error: BaseException, *, maybe_saved: bool = False
) -> HttpResponse:
    # The message only: it carries no typed text (queries are parameterised),
    # and the request id comes with every log line (ofr/request_log.py).
    logger.error(
        "Database unavailable, answered 503: %s: %s",
        type(error).__name__,
        str(error).splitlines()[0] if str(error) else "",
        extra={"request": request},
    )
    content = loader.render_to_string(
        "503_database.html",
        {
            "fields": echoed_fields(request),
            "maybe_saved": maybe_saved,
            "retry_after": RETRY_AFTER_SECONDS,
        },
    )
    response = HttpResponse(content, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    # The page holds what the person typed: never kept by a browser or proxy.
    patch_cache_control(response, no_store=True, private=True)
    return response


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        error = database_unavailable(exception)
        return unavailable_response(request, error) if error else None


def handled_elsewhere(request: HttpRequest, error: BaseException) -> HttpResponse:
    """The page for a failure outside the view. A request already routed to
    its view failed after it (saving the session) or in another middleware's
    exception handling: a write the view made may have been committed, and
    the page does not claim otherwise."""
    routed = getattr(request, "resolver_match", None) is not None
    return unavailable_response(request, error, maybe_saved=routed and request.method == "POST")


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: Django calls it while handling the exception."""
    error = database_unavailable(sys.exc_info()[1])
    return handled_elsewhere(request, error) if error else defaults.server_error(request)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler400: a session that could not be saved is a database failure."""
    error = database_unavailable(exception)
    return handled_elsewhere(request, error) if error else defaults.bad_request(request, exception)
