import sys

import pytest


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing():
    """Argon2 takes ~160 ms a check; tests that sign in use a fast hasher.
    tests/ofr/test_settings.py checks the real list separately."""
    from django.conf import settings

    from ofr import settings as project_settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    yield
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS


@pytest.fixture(autouse=True, scope="session")
def _private_media_in_a_temporary_folder(tmp_path_factory):
    """Uploaded documents go to a throwaway folder, never the project's media/."""
    from django.conf import settings

    original = settings.MEDIA_ROOT
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")
    yield
    settings.MEDIA_ROOT = original


@pytest.fixture(autouse=True, scope="session")
def _s3_server_stopped_at_the_end():
    """tests/s3.py starts moto's server when a class first needs a bucket."""
    yield
    s3 = sys.modules.get("tests.s3")  # not imported: no server was started
    if s3 is not None:
        s3.stop_server()


@pytest.fixture(autouse=True, scope="session")
def _static_files_looked_up_on_request():
    """WhiteNoise scans every file under STATIC_ROOT (about 190, with a stat
    for each compressed variant) whenever a handler loads the middleware, that
    is for every test client's first request: about 8 ms, some 700 times a run.
    With autorefresh it looks a file up only when a /static/ URL is asked for
    (same file, same headers); other URLs never reach the file system."""
    from django.conf import settings

    unset = object()
    saved = getattr(settings, "WHITENOISE_AUTOREFRESH", unset)
    settings.WHITENOISE_AUTOREFRESH = True
    yield
    if saved is unset:
        del settings.WHITENOISE_AUTOREFRESH
    else:
        settings.WHITENOISE_AUTOREFRESH = saved


@pytest.fixture(autouse=True, scope="session")
def _signed_in_clients_have_passed_the_second_factor():
    """Tests sign in with force_login or login; those sessions count as having
    passed the second step, as a person's would after entering their code.
    `second_factor=False` signs in with the password step only
    (tests/ofr/test_second_factor.py tests the step itself)."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY

    force_login, login = Client.force_login, Client.login

    def passed(client):
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = "signed-in-by-a-test"
        session.save()

    def patched_force_login(self, user, backend=None, *, second_factor=True):
        force_login(self, user, backend)
        if second_factor:
            passed(self)

    def patched_login(self, *, second_factor=True, **credentials):
        signed_in = login(self, **credentials)
        if signed_in and second_factor:
            passed(self)
        return signed_in

    Client.force_login, Client.login = patched_force_login, patched_login
    yield
    Client.force_login, Client.login = force_login, login
