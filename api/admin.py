"""API keys in the admin: administrators make and revoke them for any team.
The secret is shown once, on the page after the key is added."""

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils.translation import gettext, gettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from api.forms import OFFERED_SCOPES
from api.models import ApiKey


class ApiKeyAdminForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(choices=OFFERED_SCOPES, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = ApiKey
        fields = ["team", "name", "agency", "scopes", "expires_on"]


@admin.register(ApiKey)
class ApiKeyAdmin(SimpleHistoryAdmin):
    form = ApiKeyAdminForm
    list_display = ["name", "team", "agency", "prefix", "expires_on", "revoked_at"]
    list_filter = ["team"]
    readonly_fields = ["prefix", "created_by", "created_at", "revoked_at", "revoked_by"]
    actions = ["revoke"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # revoked, never deleted: the access log names it

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return [*self.readonly_fields, "team", "agency", "name", "scopes", "expires_on"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["team", "name", "agency", "scopes", "expires_on"]
        return ["team", "name", "agency", "scopes", "expires_on", *self.readonly_fields]

    def save_model(self, request, obj, form, change) -> None:
        if change:
            return  # nothing of a key changes but its revocation
        obj.created_by = request.user
        request._api_key_token = obj.new_token()
        obj._history_user = request.user
        obj.save()

    def response_add(self, request, obj, post_url_continue=None):
        response = TemplateResponse(
            request,
            "api/admin_key_created.html",
            {**self.admin_site.each_context(request), "key": obj, "token": request._api_key_token},
        )
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description=gettext_lazy("Revoke the selected keys"))
    def revoke(self, request, queryset) -> None:
        for key in queryset:
            key.revoke(by=request.user)
        messages.success(request, gettext("Revoked."))
