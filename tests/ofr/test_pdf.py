"""PDFs from HTML: tagged PDF/UA-1, only the project's static files fetched,
WeasyPrint loaded only when a PDF is made."""

import os
import subprocess
import sys
from pathlib import Path

from django.test import SimpleTestCase

from ofr.pdf import PDF_ORIGIN, FetchRefused, render_pdf, static_files_fetcher
from tests.pdf import inflated

PROJECT_ROOT = Path(__file__).resolve().parents[2]

TWO_PAGES = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Two pages</title>
<link rel="stylesheet" href="/static/css/letter.css"></head>
<body><p>One.</p><p style="break-before: page">Two.</p></body></html>"""

LOADS_THE_URLS = """
import os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ofr.settings")
import django
django.setup()
import ofr.urls
print("weasyprint" in sys.modules)
"""


class PdfTestCase(SimpleTestCase):
    def test_it_writes_a_tagged_pdf_ua_document_and_counts_its_pages(self):
        pdf, pages = render_pdf(TWO_PAGES)
        self.assertTrue(pdf.startswith(b"%PDF"))
        self.assertEqual(pages, 2)
        objects = inflated(pdf)
        self.assertIn(b"/StructTreeRoot", objects)
        self.assertIn(b"pdfuaid:part", objects)

    def test_the_url_fetcher_serves_only_static_files(self):
        fetcher = static_files_fetcher()
        served = fetcher.fetch(f"{PDF_ORIGIN}/static/css/letter.css")
        self.assertIn(b"@page", served.read())
        self.assertEqual(served.content_type, "text/css")
        for url in (
            "file:///etc/passwd",
            "http://example.org/x.png",
            "https://example.org/static/css/letter.css",
            f"{PDF_ORIGIN}/etc/passwd",
            f"{PDF_ORIGIN}/static/../../etc/passwd",
            f"{PDF_ORIGIN}/static/%2e%2e/%2e%2e/etc/passwd",
            f"{PDF_ORIGIN}/static//etc/passwd",
            f"{PDF_ORIGIN}/static/css/missing.css",
            "data:text/css,body{}",
        ):
            with self.subTest(url=url), self.assertRaises(FetchRefused):
                fetcher.fetch(url)

    def test_loading_the_url_configuration_does_not_import_weasyprint(self):
        # In a fresh process: this one has imported WeasyPrint already.
        env = {**os.environ, "DEBUG": "1", "DJANGO_SETTINGS_MODULE": "ofr.settings"}
        run = subprocess.run(  # noqa: S603
            [sys.executable, "-c", LOADS_THE_URLS],
            cwd=PROJECT_ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        self.assertEqual(run.stdout.strip(), "False")
