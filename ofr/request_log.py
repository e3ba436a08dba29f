"""Every log line names the request it came from and the signed-in user, so
that one person's trouble can be followed through the logs of several hosts.

The request id comes from the proxy's X-Request-ID header when it looks like
one, else is made here; it goes back in the response's X-Request-ID. Log lines
carry ids only: no names, no case content (the views never log those)."""

import re
import uuid
from contextvars import ContextVar

from django.http import HttpRequest, HttpResponse
from django.utils.functional import empty

WELL_FORMED = re.compile(r"[A-Za-z0-9._-]{8,64}")
current_request: ContextVar[HttpRequest | None] = ContextVar("current_request", default=None)


class RequestIdMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get("X-Request-ID", "")
        request.request_id = given if WELL_FORMED.fullmatch(given) else uuid.uuid4().hex
        token = current_request.set(request)
        try:
            response = self.get_response(request)
        finally:
            current_request.reset(token)
        response["X-Request-ID"] = request.request_id
        return response


def signed_in_user_id(request: HttpRequest) -> str:
    """The user's id if the request already looked the user up (never a query
    of its own: logging must not touch the database)."""
    user = getattr(request, "user", None)
    if user is None or getattr(user, "_wrapped", None) is empty:
        return ""
    return str(user.pk) if user.is_authenticated else ""


class RequestContextFilter:
    """Adds request_id and user_id to every log record ("" outside a request)."""

    def filter(self, record) -> bool:
        # Django logs a returned 5xx after the middleware has finished, with
        # the request on the record.
        request = current_request.get() or getattr(record, "request", None)
        record.request_id = getattr(request, "request_id", "") if request else ""
        record.user_id = signed_in_user_id(request) if request else ""
        return True
