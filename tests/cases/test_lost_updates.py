import threading

from django.db import connection
from django.test import Client
from django.urls import reverse

from tests.base import OFRTransactionTestCase


class LostUpdateTestCase(OFRTransactionTestCase):
    """Two people save the same section at the same moment from forms opened at
    the same version: one save wins, the other is refused (409), and the
    history gains exactly one row. Real threads, real commits (R-3)."""

    def test_concurrent_saves_from_the_same_version_do_not_overwrite(self):
        url = reverse("cases:edit_death", args=[self.case.code])
        version = self.case.death.version
        before = self.case.death.history.count()
        start = threading.Barrier(2)
        results = {}
        errors = []

        def save(user, manner) -> None:
            try:
                client = Client()
                client.force_login(user)
                start.wait()
                response = client.post(
                    url,
                    {
                        "date_of_death": "2025-03-01",
                        "manner": manner,
                        "autopsy": "yes",
                        "opened_version": version,
                    },
                )
                results[manner] = response.status_code
            except Exception as exc:  # reported below
                errors.append(exc)
            finally:
                connection.close()

        threads = [
            threading.Thread(target=save, args=(self.coordinator, "undetermined")),
            threading.Thread(target=save, args=(self.data_manager, "suicide")),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        self.assertEqual(errors, [])
        self.assertEqual(sorted(results.values()), [302, 409])
        winner = next(manner for manner, status in results.items() if status == 302)
        self.case.death.refresh_from_db()
        self.assertEqual(self.case.death.manner, winner)
        self.assertEqual(self.case.death.version, version + 1)
        self.assertEqual(self.case.death.history.count(), before + 1)
