import hashlib
import re

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import SimpleTestCase

from ofr.files import MAX_UPLOAD_BYTES, UploadInfo, inspect_upload, safe_download_name

PDF = (
    b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    b"1 0 obj <</Type/Catalog/Pages 2 0 R>> endobj\n"
    b"2 0 obj <</Type/Pages/Kids[3 0 R]/Count 1>> endobj\n"
    b"3 0 obj <</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>> endobj\n"
    b"trailer <</Root 1 0 R>>\n%%EOF\n"
)
# 1x1 pixel images written by Pillow.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108000000003a7e9b55"
    "0000000a4944415478da63f80f00010101001cb08c990000000049454e44ae426082"
)
JPEG = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb004300080606070605080707070909080a0c"
    "140d0c0b0b0c1912130f141d1a1f1e1d1a1c1c20242e2720222c231c1c2837292c30313434341f27"
    "393d38323c2e333432ffc0000b080001000101011100ffc40014000100000000000000000000000000"
    "000007ffc40014100100000000000000000000000000000000ffda0008010100003f007f7fffd9"
)
TEXT = "ME report, case 24-0113\r\n\tToxicology: fentanyl 12 ng/mL; naïve user? — see p. 4\f\n"
WINDOWS_EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(48)
LINUX_EXE = b"\x7fELF\x02\x01\x01\x00" + bytes(56)
DOCX = b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00" + bytes(30)


def upload(name, content, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


class UploadsTestCase(SimpleTestCase):
    def refusal(self, name, content, **kwargs):
        with self.assertRaises(ValidationError) as caught:
            inspect_upload(upload(name, content), **kwargs)
        return caught.exception.code, caught.exception.message

    def test_it_accepts_a_pdf(self):
        info = inspect_upload(upload("ME report.pdf", PDF))
        digest = hashlib.sha256(PDF).hexdigest()
        self.assertEqual(info, UploadInfo("application/pdf", ".pdf", len(PDF), digest))

    def test_it_accepts_a_png(self):
        self.assertEqual(inspect_upload(upload("scan.png", PNG)).content_type, "image/png")

    def test_it_accepts_a_jpeg_under_either_extension_and_any_case(self):
        for name in ("photo.jpg", "photo.jpeg", "PHOTO.JPG"):
            info = inspect_upload(upload(name, JPEG))
            self.assertEqual(info.content_type, "image/jpeg")
            self.assertEqual(info.extension, name.lower()[5:])

    def test_it_accepts_utf8_text_with_or_without_a_bom(self):
        for content in (TEXT.encode(), b"\xef\xbb\xbf" + TEXT.encode()):
            info = inspect_upload(upload("notes.txt", content))
            self.assertEqual(info.content_type, "text/plain; charset=utf-8")
            self.assertEqual(info.extension, ".txt")

    def test_it_accepts_long_text_with_a_character_split_at_the_sniffing_boundary(self):
        content = b"a" * (64 * 1024 - 1) + "é".encode() * 1000
        self.assertEqual(inspect_upload(upload("long.txt", content)).size, len(content))

    def test_it_ignores_the_content_type_the_browser_sent(self):
        info = inspect_upload(upload("scan.png", PNG, content_type="application/x-msdownload"))
        self.assertEqual(info.content_type, "image/png")
        with self.assertRaises(ValidationError):
            inspect_upload(upload("report.pdf", WINDOWS_EXE, content_type="application/pdf"))

    def test_it_refuses_a_windows_executable_renamed_to_pdf(self):
        code, message = self.refusal("report.pdf", WINDOWS_EXE)
        self.assertEqual(code, "refused_type")
        self.assertTrue(
            message.startswith(
                "The file name says .pdf but its contents are a Windows executable."
            ),
            message,
        )

    def test_it_refuses_a_linux_executable_renamed_to_txt(self):
        _, message = self.refusal("notes.txt", LINUX_EXE)
        self.assertIn("says .txt but its contents are a Linux executable", message)

    def test_it_refuses_a_shell_script_named_txt(self):
        _, message = self.refusal("notes.txt", b"#!/bin/sh\nrm -rf ~\n")
        self.assertIn("contents are a script", message)

    def test_it_refuses_html_and_svg_disguised_as_text(self):
        for content in (
            b"<html><body>hello</body></html>",
            b"\xef\xbb\xbf \r\n\t<HTML>",
            b"  <script>alert(1)</script>",
            b"<!DOCTYPE html><p>x</p>",
            b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
            b'<?xml version="1.0"?><svg/>',
        ):
            code, message = self.refusal("notes.txt", content)
            self.assertEqual(code, "refused_type", content)
            self.assertIn("web page or other markup", message)

    def test_it_accepts_text_that_mentions_markup_later(self):
        inspect_upload(upload("notes.txt", b"Found <5 mg on scene; see <html> note"))

    def test_it_refuses_text_with_control_characters_or_bad_utf8(self):
        for content in (b"abc\x00def", b"abc\x1b[31mred", b"caf\xe9 (latin-1)", b"\x0bvt"):
            code, message = self.refusal("notes.txt", content)
            self.assertEqual(code, "unrecognised", content)
            self.assertEqual(
                message,
                "This file's contents are not a PDF, PNG, JPEG or plain-text document, "
                "so it was refused.",
            )

    def test_it_refuses_an_office_file_and_says_what_it_is(self):
        _, message = self.refusal("letter.docx", DOCX)
        self.assertTrue(message.startswith("This file's contents are a ZIP archive"), message)
        self.assertIn("Only PDF, PNG, JPEG and plain-text documents are accepted.", message)

    def test_it_refuses_an_empty_file(self):
        self.assertEqual(self.refusal("empty.pdf", b""), ("empty", "This file is empty."))

    def test_it_refuses_a_file_over_the_limit(self):
        self.assertEqual(
            self.refusal("big.pdf", PDF[:101], max_bytes=100),
            ("too_large", "This file is 101 bytes; the limit is 100 bytes."),
        )
        inspect_upload(upload("fits.pdf", PDF[:100]), max_bytes=100)

    def test_it_refuses_an_oversized_file_from_its_size_before_reading_it(self):
        uploaded = upload("big.pdf", PDF)
        uploaded.size = int(31.2 * 1024 * 1024)
        uploaded.chunks = None  # reading it would fail
        with self.assertRaisesMessage(ValidationError, "This file is 31.2 MB; the limit is 25 MB."):
            inspect_upload(uploaded)
        self.assertEqual(MAX_UPLOAD_BYTES, 25 * 1024 * 1024)

    def test_it_says_a_file_just_over_the_limit_is_over_it(self):
        _, message = self.refusal("big.txt", b"a" * (2048 + 1), max_bytes=2048)
        self.assertEqual(message, "This file is 2.1 KB; the limit is 2 KB.")

    def test_it_refuses_a_png_named_pdf_and_suggests_the_right_extension(self):
        code, message = self.refusal("report.pdf", PNG)
        self.assertEqual(code, "wrong_extension")
        self.assertTrue(message.startswith("The file name says .pdf but its contents are a PNG"))
        self.assertIn("rename it to end in .png", message)

    def test_it_refuses_a_name_without_an_extension(self):
        code, message = self.refusal("scan", PNG)
        self.assertEqual(code, "wrong_extension")
        self.assertIn("has no extension", message)

    def test_it_refuses_a_double_extension_ending_in_the_wrong_type(self):
        self.assertEqual(self.refusal("report.pdf.exe", PDF)[0], "wrong_extension")

    def test_it_streams_hashes_and_rewinds(self):
        content = bytes(range(256)) * 1024  # 256 KiB: several chunks
        uploaded = upload("big.pdf", b"%PDF-" + content)
        uploaded.read(10)
        info = inspect_upload(uploaded)
        self.assertEqual(info.size, len(content) + 5)
        self.assertEqual(info.sha256, hashlib.sha256(b"%PDF-" + content).hexdigest())
        self.assertEqual(uploaded.tell(), 0)
        self.assertEqual(uploaded.read(5), b"%PDF-")

    def test_it_rewinds_after_a_refusal(self):
        uploaded = upload("big.pdf", PDF)
        with self.assertRaises(ValidationError):
            inspect_upload(uploaded, max_bytes=10)
        self.assertEqual(uploaded.tell(), 0)

    def test_safe_download_name_keeps_a_plain_name(self):
        self.assertEqual(safe_download_name("ME-report_2024.pdf", ".pdf"), "ME-report_2024.pdf")
        self.assertEqual(safe_download_name("photo.jpeg", ".jpeg"), "photo.jpeg")

    def test_safe_download_name_drops_the_path(self):
        self.assertEqual(safe_download_name("../../etc/passwd", ".txt"), "passwd.txt")
        self.assertEqual(safe_download_name("..\\..\\Windows\\win.ini", ".txt"), "win.txt")
        self.assertEqual(safe_download_name("..", ".pdf"), "document.pdf")
        self.assertEqual(safe_download_name(".bashrc", ".txt"), "bashrc.txt")

    def test_safe_download_name_replaces_unicode_and_header_characters(self):
        self.assertEqual(
            safe_download_name("Autopsy – Müller (final).pdf", ".pdf"), "Autopsy_Muller_final.pdf"
        )
        self.assertEqual(safe_download_name("報告.pdf", ".pdf"), "document.pdf")
        self.assertEqual(
            safe_download_name('a"b;\r\nX-Injected: 1.pdf', ".pdf"), "a_b_X-Injected_1.pdf"
        )

    def test_safe_download_name_enforces_the_sniffed_extension(self):
        self.assertEqual(safe_download_name("README", ".txt"), "README.txt")
        self.assertEqual(safe_download_name("scan.exe", ".png"), "scan.png")
        self.assertEqual(safe_download_name("", ".pdf"), "document.pdf")

    def test_safe_download_name_is_at_most_100_characters(self):
        for original in ("a" * 300 + ".pdf", "é" * 300, "x" * 95 + "." * 10 + "y" * 10):
            name = safe_download_name(original, ".pdf")
            self.assertLessEqual(len(name), 100)
            self.assertTrue(name.endswith(".pdf"), name)
            self.assertRegex(name, re.compile(r"\A[A-Za-z0-9._-]+\Z"))
