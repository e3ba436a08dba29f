"""System administration: users, teams, agencies. No case data is registered here:
a system administrator is not a reviewer."""

from collections import Counter

from django.contrib import admin
from django.contrib.admin.utils import NestedObjects
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.db import router
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext, gettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from ofr.models import (
    AccessEvent,
    Agency,
    Holiday,
    Jurisdiction,
    Membership,
    SecondFactor,
    Team,
    TeamJurisdiction,
)

admin.site.site_header = gettext_lazy("OFR case management — administration")


class KindsAndCountsOnDeletePage:
    """Django's delete page names each related object by its str(): a source
    document's title, a timeline event's date, a case's reference. Here it
    gives only their kinds and counts, so that no case data reaches the page."""

    def get_deleted_objects(self, objs, request):
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        if protected:
            collector = NestedObjects(using=router.db_for_write(self.model))
            collector.collect(objs)
            kinds = Counter(capfirst(obj._meta.verbose_name_plural) for obj in collector.protected)
            protected = [f"{kind}: {count}" for kind, count in sorted(kinds.items())]
        deleted = [f"{capfirst(obj._meta.verbose_name)}: {obj}" for obj in objs]
        return deleted, model_count, perms_needed, protected


class TeamJurisdictionInline(admin.StackedInline):
    """Stacked: a tabular inline's columns have headers, not labels (axe "label")."""

    model = TeamJurisdiction
    extra = 0


class HolidayInline(admin.StackedInline):
    """Days the team's record-request deadlines skip."""

    model = Holiday
    extra = 0


@admin.register(Jurisdiction)
class JurisdictionAdmin(KindsAndCountsOnDeletePage, SimpleHistoryAdmin):
    list_display = ["name", "level", "parent"]
    list_filter = ["level"]


@admin.register(Agency)
class AgencyAdmin(KindsAndCountsOnDeletePage, SimpleHistoryAdmin):
    list_display = ["name", "sector", "jurisdiction"]
    list_filter = ["sector"]
    search_fields = ["name"]


@admin.register(Team)
class TeamAdmin(KindsAndCountsOnDeletePage, SimpleHistoryAdmin):
    list_display = [
        "name",
        "short_code",
        "small_cell_threshold",
        "packets_may_include_identifiers",
        "agreement_enforcement",
    ]
    inlines = [TeamJurisdictionInline, HolidayInline]


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = ["user", "team", "role", "agency", "member_type", "starts_on", "ends_on"]
    list_filter = ["team", "role", "member_type"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # end a membership instead: its history must stay


# Groups and object permissions follow memberships (ofr.models.sync_team_groups):
# a hand edit would be undone or, worse, grant case access outside a membership.
# So the admin shows them but does not edit them. This also keeps out the
# two-box permission widget, whose markup fails axe (aria-prohibited-attr).
admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class OFRUserAdmin(KindsAndCountsOnDeletePage, UserAdmin):
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (gettext_lazy("Personal info"), {"fields": ("first_name", "last_name", "email")}),
        (gettext_lazy("Status"), {"fields": ("is_active", "is_staff", "is_superuser")}),
        (gettext_lazy("Set by memberships"), {"fields": ("groups",)}),
        (gettext_lazy("Dates"), {"fields": ("last_login", "date_joined")}),
        (gettext_lazy("Sign-in"), {"fields": ("second_factor",)}),
    )
    readonly_fields = ["groups", "last_login", "date_joined", "second_factor"]

    @admin.display(description=gettext_lazy("second factor"))
    def second_factor(self, user: User) -> str:
        """Whether they enrolled, and the reset (on its own page, with a reason)."""
        device = SecondFactor.objects.filter(user=user).first()
        status = gettext("Set up") if device and device.confirmed else gettext("Not set up")
        return format_html(
            '{} · <a href="{}">{}</a>',
            status,
            reverse("second_factor_reset", args=[user.pk]),
            gettext("Reset the second factor…"),
        )


@admin.register(Group)
class OFRGroupAdmin(GroupAdmin):
    readonly_fields = ["name", "permissions"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AccessEvent)
class AccessEventAdmin(admin.ModelAdmin):
    """Read-only: the access log is append-only.

    Rows written before name searches were logged as keyed hashes hold the
    name searched for, in clear, and cannot be rewritten: `detail` is shown
    only through `shown_detail`, and neither searched nor filtered on."""

    list_display = [
        "seq",
        "created_at",
        "username",
        "action",
        "object_type",
        "object_id",
        "shown_detail",
        "ip_address",
    ]
    list_filter = ["action"]
    search_fields = ["username", "object_id"]
    exclude = ["detail"]
    readonly_fields = ["shown_detail"]

    @admin.display(description=gettext_lazy("Detail"))
    def shown_detail(self, event: AccessEvent) -> str:
        if event.detail.startswith("name search:"):
            return gettext("name search (term withheld)")
        return event.detail

    def lookup_allowed(self, lookup, value, request=None) -> bool:
        # A filter in the URL (?detail__startswith=...) would reveal the names
        # one letter at a time.
        if lookup.split("__")[0] == "detail":
            return False
        return super().lookup_allowed(lookup, value, request)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
