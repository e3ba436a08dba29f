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
