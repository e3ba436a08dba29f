"""The packet storage tests with the files in an S3-compatible bucket (moto's
server on loopback: tests/s3.py)."""

from tests.meetings import test_packet_storage
from tests.s3 import OnS3


class PacketStorageOnS3TestCase(OnS3, test_packet_storage.PacketStorageTestCase):
    s3_tests = tuple(
        name for name in dir(test_packet_storage.PacketStorageTestCase) if name.startswith("test")
    )
