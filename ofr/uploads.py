"""Uploads are held in memory, never in a temporary file.

Django writes an upload larger than FILE_UPLOAD_MAX_MEMORY_SIZE to a file in
the system temp folder; a web process killed mid-upload leaves that file, part
of a confidential document, behind for good. So the memory handler keeps any
file up to the upload limit (a few of them at once: one per request a worker
serves), and DiscardingUploadHandler, after it, counts and throws away a file
larger than that, which the form then refuses by its size.
"""

from io import BytesIO

from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler


class DiscardedUpload(UploadedFile):
    """A file too large to keep: its name and size, no contents."""

    def __init__(self, name: str, content_type: str, size: int) -> None:
        super().__init__(BytesIO(), name, content_type, size)


class DiscardingUploadHandler(FileUploadHandler):
    """Last in FILE_UPLOAD_HANDLERS: receives only what the memory handler
    passed on (a request larger than the limit) and keeps none of it."""

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        return None

    def file_complete(self, file_size: int) -> DiscardedUpload:
        return DiscardedUpload(self.file_name, self.content_type, file_size)
