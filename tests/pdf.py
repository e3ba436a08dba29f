"""Reading PDFs in tests: the text of each page, as pdftotext (poppler) extracts it."""

import subprocess


def pdf_pages(pdf: bytes) -> list[str]:
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"],  # noqa: S607
        input=pdf,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return [page for page in text.split("\f") if page.strip()]
