from io import StringIO

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.test import RequestFactory, override_settings
from django.urls import reverse

from cases.models import SourceDocument
from ofr.audit import Action, record
from ofr.models import AccessEvent, Agency
from tests.base import PDF_BYTES, OFRTestCase

NAME = "Jordan Example"  # the decedent of the cast's case


class AuditSearchTestCase(OFRTestCase):
    """Name searches in the access log: kept as keyed hashes that an auditor
    holding a name can look up; older rows with the name in clear are withheld
    from the admin."""

    def search_the_case_list(self, user, term: str) -> AccessEvent:
        self.client.force_login(user)
        self.client.post(reverse("cases:list"), {"q": term})
        return AccessEvent.objects.filter(username=user.username).order_by("-seq").first()

    def legacy_search(self, term: str) -> AccessEvent:
        """A row as written before terms were hashed."""
        request = RequestFactory().get("/cases/", REMOTE_ADDR="192.0.2.9")
        request.user = self.data_manager
        return record(request, Action.VIEW, object_type="cases.case", detail=f"name search: {term}")

    def audit_search(self, term: str) -> str:
        out = StringIO()
        call_command("audit_search", term, stdout=out)
        return out.getvalue()

    def test_it_lists_who_searched_for_a_name(self):
        event = self.search_the_case_list(self.coordinator, "jordan   EXAMPLE")
        self.search_the_case_list(self.outsider, "Someone Else")
        before = AccessEvent.objects.count()
        output = self.audit_search(NAME)
        self.assertEqual(AccessEvent.objects.count(), before)  # reads, never writes
        lines = output.splitlines()
        self.assertEqual(lines[0], "seq\ttime\tusername\tIP address")
        self.assertEqual(lines[1].split("\t")[0], str(event.seq))
        self.assertEqual(lines[1].split("\t")[2:], ["coordinator", "127.0.0.1"])
        self.assertEqual(lines[-1], "1 search for this name.")
        self.assertNotIn("outsider", output)

    def test_it_finds_searches_hashed_under_a_former_key(self):
        self.search_the_case_list(self.coordinator, NAME)
        with override_settings(AUDIT_KEY="a-new-audit-key", AUDIT_KEY_FALLBACKS=[]):
            self.assertIn("0 searches", self.audit_search(NAME))
        with override_settings(
            AUDIT_KEY="a-new-audit-key", AUDIT_KEY_FALLBACKS=[settings.AUDIT_KEY]
        ):
            self.assertIn("1 search for this name", self.audit_search(NAME))

    def test_it_finds_searches_logged_in_clear_before_hashing(self):
        event = self.legacy_search("jordan example")
        output = self.audit_search(NAME)
        self.assertIn(f"{event.seq}\t", output)
        self.assertIn("\tdatamanager\t192.0.2.9", output)

    def test_the_admin_withholds_names_logged_in_clear(self):
        legacy = self.legacy_search(NAME)
        hashed = self.search_the_case_list(self.coordinator, NAME)
        self.client.force_login(self.admin)
        changelist = reverse("admin:ofr_accessevent_changelist")
        response = self.client.get(changelist)
        self.assertContains(response, "name search (term withheld)")
        self.assertContains(response, "name search sha256-hmac:")
        self.assertNotContains(response, "Jordan")
        for event in (legacy, hashed):
            response = self.client.get(reverse("admin:ofr_accessevent_change", args=[event.pk]))
            self.assertEqual(response.status_code, 200)
            self.assertNotContains(response, "Jordan")
        self.assertContains(response, "name search sha256-hmac:")

    def test_the_admin_neither_searches_nor_filters_the_detail(self):
        self.legacy_search(NAME)
        self.client.force_login(self.admin)
        changelist = reverse("admin:ofr_accessevent_changelist")
        self.assertEqual(self.client.get(changelist, {"q": "Jordan"}).context["cl"].result_count, 0)
        for lookup in ("detail__icontains", "detail__startswith", "detail"):
            response = self.client.get(changelist, {lookup: "name search: J"})
            self.assertEqual(response.status_code, 400)

    def test_a_delete_page_gives_kinds_and_counts_not_case_data(self):
        ems = Agency.objects.create(name="EMS", sector=self.sheriff.sector)
        document = SourceDocument(
            case=self.case,
            title=f"{NAME} autopsy",
            document_type="autopsy",
            agency=ems,
            original_name="autopsy.pdf",
            extension=".pdf",
            content_type="application/pdf",
            size=len(PDF_BYTES),
            sha256=self.document.sha256,
            uploaded_by=self.coordinator,
        )
        document.file.save("autopsy.pdf", ContentFile(PDF_BYTES), save=False)
        document.save()
        self.client.force_login(self.admin)
        response = self.client.get(reverse("admin:ofr_agency_delete", args=[ems.pk]))
        self.assertContains(response, "Source documents: 1")
        self.assertNotContains(response, "Jordan")
