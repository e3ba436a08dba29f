"""Review members see a case once cleared for its review; the rule is the
meetings app's, named by CASE_REVIEW_CLEARANCE. Without it nobody is cleared."""

from django.test import override_settings

from cases.access import case_permissions, cases_for_user
from cases.checks import review_clearance_loads
from tests.base import OFRTestCase


class ReviewClearanceTestCase(OFRTestCase):
    def test_a_signed_member_is_cleared_by_the_meetings_rule(self):
        self.assertIn(self.case, cases_for_user(self.reviewer))
        self.assertIn("view_case", case_permissions(self.reviewer, self.case))

    def test_without_a_clearance_rule_no_member_is_cleared(self):
        with override_settings(CASE_REVIEW_CLEARANCE=""):
            self.assertNotIn(self.case, cases_for_user(self.reviewer))
            self.assertEqual(case_permissions(self.reviewer, self.case), frozenset())
            # Those who prepare the review need no clearance.
            self.assertIn(self.case, cases_for_user(self.coordinator))
        self.assertIn(self.case, cases_for_user(self.reviewer))

    def test_a_rule_that_cannot_be_loaded_is_reported_at_startup(self):
        self.assertEqual(review_clearance_loads(None), [])
        with override_settings(CASE_REVIEW_CLEARANCE="meetings.access.NoSuchRule"):
            errors = review_clearance_loads(None)
        self.assertEqual([error.id for error in errors], ["cases.E001"])
        self.assertIn("NoSuchRule", errors[0].msg)
