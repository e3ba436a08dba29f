# Cases are deliberately not registered in the admin: case data is reached only
# through cases/access.py, which a superuser flag does not bypass.
#
# Data-sharing agreements are the team's, not a case's: the admin lists their
# parties and dates (for an administrator setting up a team), never their
# signed file, which only the team's roles download (cases/views/agreements.py).

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from cases.models import DataSharingAgreement
from ofr.admin import KindsAndCountsOnDeletePage


@admin.register(DataSharingAgreement)
class DataSharingAgreementAdmin(KindsAndCountsOnDeletePage, SimpleHistoryAdmin):
    list_display = ["team", "agency", "reference", "signed_on", "expires_on"]
    list_filter = ["team"]
    search_fields = ["agency__name", "reference"]
    fields = [
        "team",
        "agency",
        "reference",
        "other_parties",
        "record_types",
        "signed_on",
        "expires_on",
    ]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # an ended agreement stays on record; a renewal is a new one
