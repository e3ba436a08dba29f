"""check_storage against an S3-compatible bucket (moto's server on loopback:
tests/s3.py), where the files are listed in one request per thousand."""

from tests.ofr import test_check_storage
from tests.s3 import OnS3


class CheckStorageOnS3TestCase(OnS3, test_check_storage.CheckStorageTestCase):
    s3_tests = (
        "test_a_file_only_an_earlier_version_names_is_kept",
        "test_it_removes_the_temporary_file_of_an_upload_that_never_committed",
        "test_it_moves_the_file_of_a_record_that_committed_before_a_crash_into_place",
    )
