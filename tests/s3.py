"""Tests against a real S3-compatible server: moto's standalone server on a
free loopback port, started once per test process when a class first needs it
(tests/conftest.py stops it).

A test class that mixes in OnS3 keeps its files in a bucket of its own, through
STORAGES["private"] = django-storages' S3Storage, as a deployment with
OFR_STORAGE=s3 does. It runs only the parent's tests it names in `s3_tests`:
the ones that touch storage, not the whole class a second time."""

import logging
import uuid

import boto3
from django.conf import settings
from django.test import override_settings
from moto.server import ThreadedMotoServer

# moto accepts any keys; these keep the machine's own AWS settings out of the tests.
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
REGION = "us-east-1"

_server: ThreadedMotoServer | None = None

# A line per request from the server would bury the tests' own output.
logging.getLogger("werkzeug").setLevel(logging.WARNING)


def endpoint_url() -> str:
    global _server
    if _server is None:
        _server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        _server.start()
    host, port = _server.get_host_and_port()
    return f"http://{host}:{port}"


def stop_server() -> None:
    global _server
    if _server is not None:
        _server.stop()
        _server = None


def client():
    return boto3.client("s3", endpoint_url=endpoint_url(), region_name=REGION, **CREDENTIALS)


def new_bucket() -> str:
    name = f"ofr-test-{uuid.uuid4().hex[:16]}"
    client().create_bucket(Bucket=name)
    return name


def bucket_storage(bucket: str, **options) -> dict:
    """STORAGES with the private storage in `bucket`, as ofr/settings.py builds it."""
    private = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint_url(),
            "region_name": REGION,
            "addressing_style": "path",
            "default_acl": None,
            "access_key": CREDENTIALS["aws_access_key_id"],
            "secret_key": CREDENTIALS["aws_secret_access_key"],
            **options,
        },
    }
    return {**settings.STORAGES, "private": private}


class OnS3:
    """Mixin for a test class: its files go to a fresh bucket on the moto
    server. Of the tests it inherits, only those named in `s3_tests` run."""

    s3_tests: tuple[str, ...] = ()

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        unknown = set(cls.s3_tests) - set(dir(cls))
        assert not unknown, f"{cls.__name__}.s3_tests names no such test: {unknown}"
        for name in dir(cls):
            inherited = name not in cls.__dict__
            if name.startswith("test") and inherited and name not in cls.s3_tests:
                setattr(cls, name, None)  # not callable: not collected

    @classmethod
    def setUpClass(cls) -> None:
        cls.bucket = new_bucket()
        on_s3 = override_settings(STORAGES=bucket_storage(cls.bucket))
        on_s3.enable()
        cls.addClassCleanup(on_s3.disable)
        super().setUpClass()
