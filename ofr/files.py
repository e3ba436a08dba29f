"""Files kept on private storage: checked on the way in and on the way out.

In: inspect_upload identifies an uploaded file by its first bytes (content
sniffing), never by its name or the content type the browser sent. Accepted:
PDF, PNG, JPEG and UTF-8 plain text. The name's extension must agree with the
contents, so a renamed executable or a web page saved as .txt is refused.
Archives, Office files and other formats are refused too, with a message
naming what the file is.

Kept: on private_storage (the "private" entry of STORAGES: a local folder or
a private bucket), never given out by URL, with the file's SHA-256 recorded on
its row. A new file is written under a temporary name and reaches the name its
row holds only once the row has committed (committed_with_file), so no file
ever sits at a record's name without the record.

Out: send_stored_file, the only way a stored file leaves, behind each view's
own access checks. It sends the file only if it still has its recorded
SHA-256, as a download that no browser renders, and writes one download event
to the access log either way.
"""

import codecs
import errno
import hashlib
import logging
import math
import os
import re
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial

from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.core.signals import setting_changed
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.dispatch import receiver
from django.http import FileResponse, HttpRequest
from django.utils.functional import LazyObject, empty
from django.utils.translation import gettext, gettext_lazy

from ofr.audit import Action, object_label, record

logger = logging.getLogger(__name__)


class PrivateStorage(LazyObject):
    """STORAGES["private"], looked up when first used and again after the
    setting changes (tests switch it to a bucket with override_settings)."""

    def _setup(self) -> None:
        self._wrapped = storages["private"]


private_storage = PrivateStorage()


def get_private_storage() -> Storage:
    """The file fields' storage. A callable, so that their migrations name
    this function rather than whichever backend a deployment configures."""
    return private_storage


@receiver(setting_changed)
def _forget_private_storage(*, setting: str, **kwargs) -> None:
    if setting == "STORAGES":
        private_storage._wrapped = empty


# --- In: checking an upload --------------------------------------------------------

MAX_UPLOAD_BYTES = 25 * 1024 * 1024
SNIFF_BYTES = 64 * 1024  # how much of the file the content checks look at
ONLY_ACCEPTED = gettext_lazy("Only PDF, PNG, JPEG and plain-text documents are accepted.")


@dataclass(frozen=True)
class FileType:
    description: str  # for messages: "its contents are a PNG image"
    content_type: str  # the MIME type the file is served with
    extensions: tuple[str, ...]
    magic: bytes = b""  # empty for plain text, which is recognised by decoding it


PDF = FileType(gettext_lazy("a PDF document"), "application/pdf", (".pdf",), b"%PDF-")
PNG = FileType(gettext_lazy("a PNG image"), "image/png", (".png",), b"\x89PNG\r\n\x1a\n")
JPEG = FileType(gettext_lazy("a JPEG image"), "image/jpeg", (".jpg", ".jpeg"), b"\xff\xd8\xff")
TEXT = FileType(gettext_lazy("plain text"), "text/plain; charset=utf-8", (".txt",))
ALLOWED_TYPES = (PDF, PNG, JPEG, TEXT)

# Formats people are likely to try, named so the refusal can say what the file is.
REFUSED_KINDS = (
    (b"MZ", gettext_lazy("a Windows executable")),
    (b"\x7fELF", gettext_lazy("a Linux executable")),
    (b"\xcf\xfa\xed\xfe", gettext_lazy("a macOS executable")),
    (b"\xce\xfa\xed\xfe", gettext_lazy("a macOS executable")),
    (b"\xca\xfe\xba\xbe", gettext_lazy("a program file")),
    (b"#!", gettext_lazy("a script")),
    (
        b"PK\x03\x04",
        gettext_lazy("a ZIP archive (Word, Excel and PowerPoint files are ZIP archives)"),
    ),
    (b"PK\x05\x06", gettext_lazy("a ZIP archive")),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", gettext_lazy("an older Word, Excel or Outlook file")),
    (b"{\\rtf", gettext_lazy("a Rich Text (RTF) document")),
    (b"\x1f\x8b", gettext_lazy("a compressed (gzip) archive")),
    (b"7z\xbc\xaf\x27\x1c", gettext_lazy("a 7-Zip archive")),
    (b"Rar!\x1a\x07", gettext_lazy("a RAR archive")),
    (b"GIF8", gettext_lazy("a GIF image")),
    (b"II*\x00", gettext_lazy("a TIFF image")),
    (b"MM\x00*", gettext_lazy("a TIFF image")),
)
MARKUP = gettext_lazy("a web page or other markup (HTML, SVG or XML), which a browser could run")

# Text that opens with a tag (<html, <script, <svg, <?xml, <!DOCTYPE, <!--, ...)
# could be rendered by a browser that ignores the declared type.
_MARKUP_START = re.compile(rb"\s*<[a-z!?]", re.IGNORECASE)
# Control characters other than tab, LF, FF and CR (C0, DEL and C1).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class UploadInfo:
    content_type: str  # canonical MIME type to serve it with, from the contents
    extension: str  # the name's extension, lower case, agreeing with the contents
    size: int  # bytes
    sha256: str  # hex digest


def inspect_upload(uploaded_file, max_bytes: int = MAX_UPLOAD_BYTES) -> UploadInfo:
    """Check an uploaded file and describe it, or raise ValidationError saying why not.

    Reads the file once in chunks (never whole into memory) and rewinds it afterwards.
    """
    extension = _extension(uploaded_file.name or "")
    declared = getattr(uploaded_file, "size", None)
    if declared is not None and declared > max_bytes:
        raise _too_large(declared, max_bytes)

    digest = hashlib.sha256()
    head = b""
    size = 0
    try:
        for chunk in uploaded_file.chunks():
            size += len(chunk)
            if size > max_bytes:
                raise _too_large(size, max_bytes)
            digest.update(chunk)
            if len(head) < SNIFF_BYTES:
                head += chunk[: SNIFF_BYTES - len(head)]
    finally:
        uploaded_file.seek(0)

    if size == 0:
        raise ValidationError(gettext("This file is empty."), code="empty")
    file_type, description = _identify(head, whole=size == len(head))
    if description is None:
        raise ValidationError(
            gettext(
                "This file's contents are not a PDF, PNG, JPEG or plain-text document, "
                "so it was refused."
            ),
            code="unrecognised",
        )
    if file_type is None:
        if extension in _accepted_extensions():
            message = gettext(
                "The file name says %(extension)s but its contents are %(description)s."
            ) % {"extension": extension, "description": description}
        else:
            message = gettext("This file's contents are %(description)s.") % {
                "description": description
            }
        raise ValidationError(f"{message} {ONLY_ACCEPTED}", code="refused_type")
    if extension not in file_type.extensions:
        if extension:
            message = gettext(
                "The file name says %(extension)s but its contents are %(description)s. If it "
                "is the right file, rename it to end in %(expected)s and upload it again."
            )
        else:
            message = gettext(
                "The file name has no extension but its contents are %(description)s. If it "
                "is the right file, rename it to end in %(expected)s and upload it again."
            )
        values = {
            "extension": extension,
            "description": description,
            "expected": file_type.extensions[0],
        }
        raise ValidationError(message % values, code="wrong_extension")
    return UploadInfo(file_type.content_type, extension, size, digest.hexdigest())


def safe_download_name(original_name: str, extension: str) -> str:
    """A file name safe for a Content-Disposition header, ending in `extension`.

    Keeps only the last path component and ASCII letters, digits, dash, underscore
    and dot (accents are dropped, anything else becomes "_"); at most 100 characters;
    "document" when nothing usable is left.
    """
    extension = re.sub(r"[^a-z0-9]", "", extension.lower())
    extension = f".{extension}" if extension else ""
    base = re.split(r"[\\/]", original_name or "")[-1]
    stem = os.path.splitext(base)[0]
    stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._-")
    stem = stem[: 100 - len(extension)].rstrip("._-")
    return (stem or "document") + extension


def _identify(head: bytes, *, whole: bool) -> tuple[FileType | None, str | None]:
    """What the first bytes say: (accepted type or None, description or None if unknown)."""
    for file_type in ALLOWED_TYPES:
        if file_type.magic and head.startswith(file_type.magic):
            return file_type, file_type.description
    for magic, description in REFUSED_KINDS:
        if head.startswith(magic):
            return None, description
    body = head.removeprefix(codecs.BOM_UTF8)
    if _MARKUP_START.match(body):
        return None, MARKUP
    if _is_plain_text(body, whole=whole):
        return TEXT, TEXT.description
    return None, None


def _is_plain_text(data: bytes, *, whole: bool) -> bool:
    """UTF-8 without control characters other than tab, CR, LF and FF.

    `whole` is False when `data` is only the start of the file, which may end
    part-way through a multi-byte character.
    """
    try:
        text = codecs.getincrementaldecoder("utf-8")().decode(data, final=whole)
    except UnicodeDecodeError:
        return False
    return not _CONTROL.search(text)


def _extension(name: str) -> str:
    return os.path.splitext(re.split(r"[\\/]", name)[-1].strip())[1].lower()


def _accepted_extensions() -> set[str]:
    return {extension for file_type in ALLOWED_TYPES for extension in file_type.extensions}


def _too_large(size: int, max_bytes: int) -> ValidationError:
    message = gettext("This file is %(size)s; the limit is %(limit)s.")
    values = {"size": _size(size, math.ceil), "limit": _size(max_bytes, math.floor)}
    return ValidationError(message % values, code="too_large")


def _size(n: int, rounding: Callable[[float], int]) -> str:
    """'31.2 MB', '12 KB', '900 bytes'; `rounding` keeps a file just over the limit
    from reading the same as the limit."""
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if n >= scale:
            return f"{rounding(n * 10 / scale) / 10:.1f}".removesuffix(".0") + f" {unit}"
    return gettext("%(count)s bytes") % {"count": n}


# --- Kept: a new file reaches its name only with its committed row ---------------

# A file waits here, under the name its row will hold, until the row commits.
# check_storage --delete removes what a failed or crashed transaction left.
TEMPORARY_FOLDER = "tmp"


def temporary_name(name: str) -> str:
    return f"{TEMPORARY_FOLDER}/{name}"


class StorageFailed(Exception):
    """A new file could not be written (a full disk, an unreachable bucket);
    nothing was kept."""

    def __init__(self, *, no_space: bool = False) -> None:
        super().__init__("no space left" if no_space else "storage failed")
        self.no_space = no_space

    @property
    def message(self) -> str:
        """For the form the file came with, which keeps everything else typed."""
        if self.no_space:
            return gettext(
                "There is no room left to store files, so nothing was saved. What you typed "
                "is kept below: choose the file again and retry. If it keeps failing, tell "
                "your system administrator."
            )
        return gettext(
            "The file could not be stored, so nothing was saved. What you typed is kept "
            "below: choose the file again and retry. If it keeps failing, tell your system "
            "administrator."
        )


@contextmanager
def committed_with_file(stored: FieldFile, content, filename: str) -> Iterator[None]:
    """Write `content` for the row of `stored` (a FieldFile on private storage),
    then run the block, which saves the row, in a transaction.

    `stored` gets its final name at once, so the row is saved once, with it;
    the file is written under tmp/<that name> and moved to it once the
    transaction commits. A write that fails removes whatever part of the file
    was written and raises StorageFailed; a block that fails removes the file.
    A crash leaves at worst a temporary file (which check_storage --delete
    removes, or moves into place when its row did commit), never a file at a
    name no committed row holds."""
    storage = stored.storage
    name = stored.field.generate_filename(stored.instance, filename)
    temporary = temporary_name(name)
    try:
        written = storage.save(temporary, content)
        _make_room_for(storage, name)
    except Exception as error:
        _remove(storage, temporary)
        raise StorageFailed(no_space=getattr(error, "errno", None) == errno.ENOSPC) from error
    if written != temporary:  # names are random: another file there is a fault
        _remove(storage, written)
        raise StorageFailed
    stored.name = name
    try:
        with transaction.atomic():
            yield
            transaction.on_commit(partial(move_into_place, storage, name))
    except BaseException:
        _remove(storage, temporary)
        stored.name = ""
        raise


def move_into_place(storage: Storage, name: str) -> bool:
    """Move a committed row's file from its temporary name to `name`. Runs
    after the commit, so it logs a failure rather than raise it: the row is
    saved, and check_storage --delete finishes the move."""
    try:
        _move(storage, temporary_name(name), name)
    except Exception:
        logger.exception("Stored file %r is still under its temporary name", name)
        return False
    return True


def is_bucket(storage: Storage) -> bool:
    """Whether `storage` is an S3-compatible bucket (django-storages)."""
    if isinstance(storage, FileSystemStorage):
        return False
    # Imported here: boto3 is loaded only where a bucket is configured.
    from storages.backends.s3 import S3Storage

    return isinstance(storage, S3Storage)


def _make_room_for(storage: Storage, name: str) -> None:
    """On a disk, make the folder the file moves to before its row commits:
    the move after the commit is then a rename, which needs no space (on a
    full disk, a folder made after the commit failed and left the committed
    document without its file)."""
    if isinstance(storage, FileSystemStorage):
        os.makedirs(os.path.dirname(storage.path(name)), exist_ok=True)


def _move(storage: Storage, source: str, target: str) -> None:
    if isinstance(storage, FileSystemStorage):
        target_path = storage.path(target)
        os.makedirs(os.path.dirname(target_path), exist_ok=True)
        os.replace(storage.path(source), target_path)  # atomic on one file system
        return
    if is_bucket(storage):
        # A copy on the server: the object appears at its name whole or not at all.
        key = storage._normalize_name
        storage.connection.meta.client.copy_object(
            Bucket=storage.bucket_name,
            Key=key(target),
            CopySource={"Bucket": storage.bucket_name, "Key": key(source)},
            **storage.get_object_parameters(target),
        )
    else:
        with storage.open(source, "rb") as handle:
            storage.save(target, handle)
    storage.delete(source)


def _remove(storage: Storage, name: str) -> None:
    """Delete a temporary file on the way out of a failure, which it must not hide."""
    try:
        storage.delete(name)
    except Exception:
        logger.exception("Temporary file %r could not be removed", name)


# --- Out: sending a stored file ----------------------------------------------------

HASH_CHUNK = 1024 * 1024


def sha256_of(handle) -> str:
    """The SHA-256 of an open binary file, read in chunks (stored files can be large)."""
    digest = hashlib.sha256()
    for chunk in iter(lambda: handle.read(HASH_CHUNK), b""):
        digest.update(chunk)
    return digest.hexdigest()


def content_type_for(extension: str) -> str:
    """The type a stored file is sent with, from its checked extension."""
    for file_type in ALLOWED_TYPES:
        if extension.lower() in file_type.extensions:
            return file_type.content_type
    return "application/octet-stream"


class FileUnavailable(Exception):
    """A stored file that was not sent: "missing" or "integrity" (it no longer
    matches its recorded SHA-256). Already logged and in the access log; the
    caller renders its page with `status`, the same for every download."""

    STATUS = {"missing": 410, "integrity": 409}

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = self.STATUS[reason]


# reason: (what the access event adds, what the log line says)
_PROBLEMS = {
    "missing": ("file missing", "is missing"),
    "integrity": ("integrity check failed", "failed its integrity check (SHA-256)"),
}


def send_stored_file(
    request: HttpRequest,
    stored,
    *,
    sha256: str,
    audited,
    detail: str,
    filename: str,
    content_type: str,
) -> FileResponse:
    """Send `stored` (a FieldFile on private storage) as the attachment
    `filename` if it still has the recorded `sha256`, logging one download of
    `audited` with `detail` and the sha256. Raises FileUnavailable, after
    logging it, when the file is missing or does not match."""
    detail = f"{detail} sha256:{sha256}"
    try:
        handle = stored.open("rb")
    except (OSError, ValueError):  # ValueError: the row has no file
        raise _unavailable(request, stored, audited, detail, "missing") from None
    if sha256_of(handle) != sha256:
        handle.close()
        raise _unavailable(request, stored, audited, detail, "integrity")
    handle.seek(0)
    record(request, Action.DOWNLOAD, audited, detail=detail)
    response = FileResponse(
        handle, as_attachment=True, filename=filename, content_type=content_type
    )
    # Sent only as a download: never sniffed, run or rendered in the site's origin.
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "no-store"
    return response


def _unavailable(request, stored, audited, detail: str, reason: str) -> FileUnavailable:
    event, message = _PROBLEMS[reason]
    object_type, object_id = object_label(audited)
    # The stored name carries codes only, never the uploaded name.
    logger.error("Stored file %r of %s %s %s", stored.name, object_type, object_id, message)
    record(request, Action.DOWNLOAD, audited, detail=f"{detail}: {event}")
    return FileUnavailable(reason)
