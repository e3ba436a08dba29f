"""The API key pages: a team's coordinators list, make and revoke its keys."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from api.access import (
    get_key_for_manager,
    keys_for_manager,
    last_used,
    managed_teams,
    may_manage_keys,
)
from api.forms import ApiKeyForm
from api.models import ApiKey
from ofr.audit import DeniedForbidden


@login_required
@require_safe
def key_list(request: HttpRequest) -> HttpResponse:
    if not may_manage_keys(request.user):
        raise DeniedForbidden("api.apikey", "", "manage_api_keys")
    keys = list(keys_for_manager(request.user))
    return render(
        request,
        "api/key_list.html",
        {"rows": [(key, last_used(key)) for key in keys]},
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def key_new(request: HttpRequest) -> HttpResponse:
    if not may_manage_keys(request.user):
        raise DeniedForbidden("api.apikey", "", "manage_api_keys")
    form = ApiKeyForm(request.POST or None, teams=managed_teams(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                key, token = ApiKey.issue(
                    team=data["team"],
                    agency=data["agency"],
                    name=data["name"],
                    scopes=data["scopes"],
                    expires_on=data["expires_on"],
                    by=request.user,
                )
        except IntegrityError:
            form.add_error("name", gettext("The team has a key of that name already."))
        else:
            # Shown once, here, and never again: not a redirect, which would
            # have to keep the secret somewhere until the next page.
            response = render(request, "api/key_created.html", {"key": key, "token": token})
            response["Cache-Control"] = "no-store"
            return response
    return render(request, "api/key_form.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@require_POST
def key_revoke(request: HttpRequest, code) -> HttpResponse:
    key = get_key_for_manager(request.user, code)
    key.revoke(by=request.user)
    messages.success(
        request,
        gettext("%(name)s: revoked. Calls with it are refused from now on.") % {"name": key.name},
    )
    return redirect("api:list")


@require_safe
def reference(request: HttpRequest) -> HttpResponse:
    """The API's endpoints, read from its OpenAPI schema, as an ordinary page
    of the site: Swagger UI (at /api/v1/docs) is third-party and fails the
    site's accessibility checks, so the pages link here. No data, no sign-in."""
    from api.endpoints import api

    schema = api.get_openapi_schema()
    operations = [
        {
            "method": method.upper(),
            "path": path,  # the schema gives the full path
            "summary": operation.get("summary", ""),
            "description": operation.get("description", ""),
            "parameters": [p["name"] for p in operation.get("parameters", [])],
            "answers": sorted(operation.get("responses", {})),
        }
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    ]
    return render(
        request,
        "api/reference.html",
        {"title": schema["info"]["title"], "operations": operations},
    )
