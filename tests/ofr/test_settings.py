"""Fail-closed configuration. Environment variables are read when ofr.settings is
imported, so the production cases run in subprocesses with a clean environment."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet
from django.conf import settings
from django.db import connection
from django.test import TestCase

from ofr import settings as project_settings

PROJECT_ROOT = Path(__file__).resolve().parents[2]

# Variables that change what ofr.settings decides; none may leak in from the caller.
CONFIG_VARIABLES = (
    "DEBUG",
    "SECRET_KEY",
    "SECRET_KEY_FALLBACKS",
    "AUDIT_KEY",
    "AUDIT_KEY_FALLBACKS",
    "FIELD_ENCRYPTION_KEYS",
    "ALLOWED_HOSTS",
    "SECURE_COOKIES",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_PRELOAD",
    "BEHIND_TLS_PROXY",
    "SESSION_IDLE_MINUTES",
    "SESSION_MAX_HOURS",
    "AXES_FAILURE_LIMIT",
    "AXES_COOLOFF_MINUTES",
    "OFR_STORAGE",
    "AWS_STORAGE_BUCKET_NAME",
    "AWS_S3_ENDPOINT_URL",
    "AWS_S3_REGION_NAME",
    "AWS_S3_ADDRESSING_STYLE",
    "DJANGO_SETTINGS_MODULE",
)

PRINT_SETTINGS = """
import json
import ofr.settings as s
print(json.dumps({
    "DEBUG": s.DEBUG,
    "SESSION_COOKIE_SECURE": s.SESSION_COOKIE_SECURE,
    "CSRF_COOKIE_SECURE": s.CSRF_COOKIE_SECURE,
    "SESSION_COOKIE_NAME": getattr(s, "SESSION_COOKIE_NAME", "sessionid"),
    "CSRF_COOKIE_NAME": getattr(s, "CSRF_COOKIE_NAME", "csrftoken"),
    "SECURE_HSTS_SECONDS": s.SECURE_HSTS_SECONDS,
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": s.SECURE_HSTS_INCLUDE_SUBDOMAINS,
    "SECURE_SSL_REDIRECT": s.SECURE_SSL_REDIRECT,
    "ALLOWED_HOSTS": s.ALLOWED_HOSTS,
}))
"""


def production_keys() -> dict[str, str]:
    return {
        "SECRET_KEY": secrets.token_urlsafe(48),
        "AUDIT_KEY": secrets.token_urlsafe(48),
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    }


def clean_env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in CONFIG_VARIABLES}
    env.update(values)
    return env


def run_python(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603
        [sys.executable, *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


class SettingsTestCase(TestCase):
    def test_it_refuses_to_start_without_a_secret_key_outside_debug(self):
        result = run_python(["-c", "import ofr.settings"], clean_env())
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("ImproperlyConfigured", result.stderr)
        self.assertIn("SECRET_KEY", result.stderr)

    def test_it_refuses_to_start_without_an_audit_key_outside_debug(self):
        result = run_python(
            ["-c", "import ofr.settings"], clean_env(SECRET_KEY=secrets.token_urlsafe(48))
        )
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("ImproperlyConfigured", result.stderr)
        self.assertIn("AUDIT_KEY is not set", result.stderr)

    def test_it_refuses_to_start_without_field_encryption_keys_outside_debug(self):
        keys = production_keys()
        del keys["FIELD_ENCRYPTION_KEYS"]
        result = run_python(["-c", "import ofr.settings"], clean_env(**keys))
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("FIELD_ENCRYPTION_KEYS is not set", result.stderr)

    def test_it_refuses_a_field_encryption_key_that_is_not_a_fernet_key(self):
        env = clean_env(**production_keys())
        env["FIELD_ENCRYPTION_KEYS"] += ",not-a-key"
        result = run_python(["-c", "import ofr.settings"], env)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("not a Fernet key", result.stderr)

    def test_it_reads_the_field_encryption_keys_newest_first(self):
        env = clean_env(**production_keys())
        old = Fernet.generate_key().decode()
        env["FIELD_ENCRYPTION_KEYS"] += f", {old}"
        script = "import ofr.settings as s; print(*s.FIELD_ENCRYPTION_KEYS)"
        result = run_python(["-c", script], env)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.split(), [*env["FIELD_ENCRYPTION_KEYS"].split(", ")])

    def test_the_audit_key_must_differ_from_the_secret_key(self):
        key = secrets.token_urlsafe(48)
        for debug in ("", "1"):
            with self.subTest(DEBUG=debug):
                env = clean_env(DEBUG=debug, SECRET_KEY=key, AUDIT_KEY=key)
                result = run_python(["-c", "import ofr.settings"], env)
                self.assertNotEqual(result.returncode, 0)
                self.assertIn("AUDIT_KEY must differ from SECRET_KEY", result.stderr)

    def test_it_reads_the_audit_key_and_its_fallbacks(self):
        keys = production_keys()
        env = clean_env(**keys, AUDIT_KEY_FALLBACKS="old-key-2, old-key-1")
        script = "import ofr.settings as s; print(s.AUDIT_KEY); print(s.AUDIT_KEY_FALLBACKS)"
        result = run_python(["-c", script], env)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(
            result.stdout.splitlines(), [keys["AUDIT_KEY"], "['old-key-2', 'old-key-1']"]
        )

    def test_production_defaults_are_secure(self):
        result = run_python(["-c", PRINT_SETTINGS], clean_env(**production_keys()))
        self.assertEqual(result.returncode, 0, result.stderr)
        values = json.loads(result.stdout)
        self.assertIs(values["DEBUG"], False)
        self.assertIs(values["SESSION_COOKIE_SECURE"], True)
        self.assertIs(values["CSRF_COOKIE_SECURE"], True)
        self.assertTrue(values["SESSION_COOKIE_NAME"].startswith("__Host-"))
        self.assertTrue(values["CSRF_COOKIE_NAME"].startswith("__Host-"))
        self.assertGreaterEqual(values["SECURE_HSTS_SECONDS"], 31536000)
        self.assertIs(values["SECURE_HSTS_INCLUDE_SUBDOMAINS"], True)
        self.assertIs(values["SECURE_SSL_REDIRECT"], True)
        self.assertEqual(values["ALLOWED_HOSTS"], [])

    def test_the_deployment_check_passes_with_a_production_environment(self):
        keys = production_keys()
        self.assertEqual(len(keys["SECRET_KEY"]), 64)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": os.environ.get("HOME", "/tmp"),  # noqa: S108
            **keys,
            "ALLOWED_HOSTS": "ofr.example.org",
        }
        if os.environ.get("DATABASE_URL"):
            env["DATABASE_URL"] = os.environ["DATABASE_URL"]
        result = run_python(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn("no issues", result.stdout)

    def test_the_project_hashes_passwords_with_argon2(self):
        # The test run swaps in a fast hasher (tests/conftest.py): read the project's own list.
        self.assertEqual(
            project_settings.PASSWORD_HASHERS[0], "django.contrib.auth.hashers.Argon2PasswordHasher"
        )

    def test_requests_are_not_wrapped_in_one_transaction(self):
        self.assertIs(settings.DATABASES["default"]["ATOMIC_REQUESTS"], False)

    def test_the_database_is_configured_for_durable_concurrent_writes(self):
        database = settings.DATABASES["default"]
        if connection.vendor == "sqlite":
            options = database["OPTIONS"]
            self.assertEqual(options["transaction_mode"], "IMMEDIATE")
            self.assertIn("journal_mode=WAL", options["init_command"])
            self.assertIn("synchronous=FULL", options["init_command"])
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA journal_mode")
                self.assertEqual(cursor.fetchone()[0].lower(), "wal")
                cursor.execute("PRAGMA synchronous")
                self.assertEqual(cursor.fetchone()[0], 2)  # 2 = FULL
        else:
            self.assertEqual(connection.vendor, "postgresql")
            self.assertIs(database["CONN_HEALTH_CHECKS"], True)

    def test_sign_in_is_throttled_per_username_and_address(self):
        self.assertEqual(settings.AXES_FAILURE_LIMIT, 5)
        self.assertEqual(settings.AXES_LOCKOUT_PARAMETERS, [["username", "ip_address"]])
        self.assertEqual(settings.AUTHENTICATION_BACKENDS[0], "axes.backends.AxesStandaloneBackend")

    def test_sessions_end_after_fifteen_idle_minutes_by_default(self):
        self.assertEqual(settings.SESSION_IDLE_MINUTES, 15)
        self.assertEqual(project_settings.SESSION_IDLE_MINUTES, 15)


class PrivateStorageSettingsTestCase(TestCase):
    """Where documents, packets and evidence are kept: MEDIA_ROOT unless a bucket is named."""

    def private_storage(self, **env: str) -> subprocess.CompletedProcess:
        script = "import json, ofr.settings as s; print(json.dumps(s.STORAGES['private']))"
        return run_python(["-c", script], clean_env(DEBUG="1", **env))

    def test_it_keeps_files_in_media_root_by_default(self):
        done = self.private_storage()
        self.assertEqual(done.returncode, 0, done.stderr)
        backend = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
        self.assertEqual(json.loads(done.stdout), backend)

    def test_a_bucket_name_puts_them_in_a_private_bucket(self):
        done = self.private_storage(
            AWS_STORAGE_BUCKET_NAME="ofr-files",
            AWS_S3_ENDPOINT_URL="https://minio.internal:9000",
            AWS_S3_REGION_NAME="us-east-1",
            AWS_S3_ADDRESSING_STYLE="path",
        )
        self.assertEqual(done.returncode, 0, done.stderr)
        private = json.loads(done.stdout)
        self.assertEqual(private["BACKEND"], "storages.backends.s3.S3Storage")
        self.assertEqual(
            private["OPTIONS"],
            {
                "bucket_name": "ofr-files",
                "endpoint_url": "https://minio.internal:9000",
                "region_name": "us-east-1",
                "addressing_style": "path",
                "default_acl": None,
            },
        )

    def test_it_refuses_an_incomplete_or_unknown_storage(self):
        for env, message in (
            ({"OFR_STORAGE": "s3"}, "OFR_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME"),
            ({"OFR_STORAGE": "ftp"}, "OFR_STORAGE must be local or s3"),
            (
                {"AWS_STORAGE_BUCKET_NAME": "ofr-files", "AWS_S3_ADDRESSING_STYLE": "dns"},
                "AWS_S3_ADDRESSING_STYLE must be auto, virtual or path",
            ),
        ):
            with self.subTest(env=env):
                done = self.private_storage(**env)
                self.assertNotEqual(done.returncode, 0)
                self.assertIn(message, done.stderr)


class PostgreSQLJitTestCase(TestCase):
    """The app's PostgreSQL connections run without JIT, which compiled the
    case list's subqueries on every request (seconds per page)."""

    def database_settings(self, url: str) -> dict:
        script = "import json, ofr.settings as s; print(json.dumps(s.DATABASES['default']))"
        done = run_python(["-c", script], clean_env(DEBUG="1", DATABASE_URL=url))
        self.assertEqual(done.returncode, 0, done.stderr)
        return json.loads(done.stdout)

    def test_postgresql_connections_turn_jit_off(self):
        database = self.database_settings("postgres://ofr@127.0.0.1:5432/ofr")
        self.assertEqual(database["ENGINE"], "django.db.backends.postgresql")
        self.assertEqual(
            database["OPTIONS"]["options"],
            "-c jit=off -c lock_timeout=10s -c statement_timeout=60s",
        )

    def test_lock_and_statement_timeouts_are_settings(self):
        url = "postgres://ofr@127.0.0.1:5432/ofr"
        script = "import json, ofr.settings as s; print(json.dumps(s.DATABASES['default']))"
        done = run_python(
            ["-c", script],
            clean_env(DEBUG="1", DATABASE_URL=url, PG_LOCK_TIMEOUT="2s", PG_STATEMENT_TIMEOUT="0"),
        )
        options = json.loads(done.stdout)["OPTIONS"]["options"]
        self.assertEqual(options, "-c jit=off -c lock_timeout=2s -c statement_timeout=0")
        done = run_python(
            ["-c", script], clean_env(DEBUG="1", DATABASE_URL=url, PG_LOCK_TIMEOUT="2s -c x=y")
        )
        self.assertNotEqual(done.returncode, 0)
        self.assertIn("PG_LOCK_TIMEOUT must be a PostgreSQL duration", done.stderr)

    def test_options_from_the_url_are_kept_beside_jit_off(self):
        url = "postgres://ofr@127.0.0.1:5432/ofr?options=-c%20search_path%3Dofr"
        options = self.database_settings(url)["OPTIONS"]["options"]
        self.assertEqual(
            options, "-c search_path=ofr -c jit=off -c lock_timeout=10s -c statement_timeout=60s"
        )

    def test_the_test_database_connection_has_what_the_settings_say(self):
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SHOW jit")
                self.assertEqual(cursor.fetchone()[0], "off")
                cursor.execute("SHOW lock_timeout")
                self.assertEqual(cursor.fetchone()[0], "10s")
            else:
                cursor.execute("PRAGMA journal_mode")
                self.assertEqual(cursor.fetchone()[0], "wal")
