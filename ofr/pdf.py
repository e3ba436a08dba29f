"""PDFs from HTML templates, laid out by WeasyPrint, which may fetch only the
project's static files.

    html = render_to_string(template, {..., "static_prefix": static_prefix()})
    pdf, pages = render_pdf(html)

The template links its stylesheet as `{{ static_prefix }}css/<name>.css`.
Relative URLs resolve against PDF_ORIGIN, which is never fetched: the URL
fetcher (static_files_fetcher) maps its static paths to the files the
staticfiles finders find and refuses everything else: no network, no file://,
no data:. A refused URL is skipped with a warning.

WeasyPrint is imported only when a PDF is made: the import takes about a
second, and pages that never make a PDF import the modules that use this one
(meetings.packets for its agenda and recommendation lists).
"""

import mimetypes
from posixpath import normpath
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation

# ".invalid" cannot resolve in DNS (RFC 2606).
PDF_ORIGIN = "https://ofr-pdf.invalid"
# Tagged PDF with the structure screen readers need (letters go to outside agencies).
PDF_VARIANT = "pdf/ua-1"


class FetchRefused(ValueError):
    """WeasyPrint asked for something other than one of the project's static files."""


def static_prefix() -> str:
    """The path part of STATIC_URL, with leading and trailing slashes."""
    path = urlsplit(settings.STATIC_URL).path
    return "/" + path.strip("/") + "/"


def static_file_for(url: str) -> str:
    """The static file that `<PDF_ORIGIN><STATIC_URL><path>` names; FetchRefused otherwise."""
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}" != PDF_ORIGIN or parts.query or parts.fragment:
        raise FetchRefused(f"Refused to fetch {url!r}: only the project's static files.")
    prefix = static_prefix()
    if not parts.path.startswith(prefix):
        raise FetchRefused(f"Refused to fetch {url!r}: not a static file.")
    relative = unquote(parts.path[len(prefix) :])
    if not relative or relative.startswith("/") or normpath(relative) != relative:
        raise FetchRefused(f"Refused to fetch {url!r}: not a plain static path.")
    try:
        path = finders.find(relative)
    except SuspiciousFileOperation:
        path = None
    if not path:
        raise FetchRefused(f"Refused to fetch {url!r}: no such static file.")
    return path


def static_files_fetcher():
    """WeasyPrint's URL fetcher, narrowed to the project's static files
    (static_file_for). Its class is made here because it subclasses
    WeasyPrint's, which is imported only when a PDF is made."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticFilesOnly(URLFetcher):
        def fetch(self, url: str, headers=None) -> URLFetcherResponse:
            path = static_file_for(url)
            with open(path, "rb") as handle:
                body = handle.read()
            content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
            return URLFetcherResponse(url, body, {"Content-Type": content_type})

    return StaticFilesOnly()


def render_pdf(html: str) -> tuple[bytes, int]:
    """The PDF (PDF/UA-1) of an HTML page and its page count."""
    from weasyprint import HTML

    options = {"pdf_variant": PDF_VARIANT}
    document = HTML(
        string=html, base_url=PDF_ORIGIN + "/", url_fetcher=static_files_fetcher()
    ).render(**options)
    return document.write_pdf(**options), len(document.pages)
