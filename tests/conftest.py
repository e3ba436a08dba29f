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
