"""Reading PDFs in tests: the text of each page, as pdftotext (poppler) extracts
it, and the objects with their compressed streams inflated."""

import re
import subprocess
import zlib


def pdf_pages(pdf: bytes) -> list[str]:
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"],  # noqa: S607
        input=pdf,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return [page for page in text.split("\f") if page.strip()]


def inflated(pdf: bytes) -> bytes:
    """The PDF with its compressed streams (objects, metadata) inflated."""
    parts = [pdf]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            parts.append(zlib.decompress(match.group(1)))
        except zlib.error:
            pass
    return b"".join(parts)
