"""Issue 5's acceptance, done with the demo as a new user would: the officer
signs before opening the December meeting's cases and gets a packet without
Part 2 text; the facilitator downloads numbered, watermarked copies and marks
them collected. These journeys change the demo's planned meeting, so they run
after the crawler (file order)."""

import subprocess
from pathlib import Path

from playwright.sync_api import expect

from .checks import page_problems
from .conftest import Visitor

PLANNED = "Riverside case review, December"
PDFTOTEXT = "/usr/bin/pdftotext"


def open_meeting(page, title: str = PLANNED) -> None:
    page.goto("/meetings/")
    page.get_by_role("link", name=title).click()
    assert page.get_by_role("heading", level=1).inner_text() == title


def pdf_pages(path: Path) -> list[str]:
    text = subprocess.run(  # noqa: S603  (a fixed program on a file we wrote)
        [PDFTOTEXT, "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    return [page for page in text.split("\f") if page.strip()]


def test_officer_signs_before_opening_the_meetings_cases(browser, site):
    from cases.models import Case

    case = Case.objects.get(reference="RIV-2025-004")
    part2 = list(
        case.timeline_events.filter(sensitivity="part2_sud").values_list("description", flat=True)
    )
    officer = Visitor(browser, site.url)
    page = officer.page
    try:
        officer.sign_in("officer")
        expect(page.get_by_text("agreement not signed yet")).to_be_visible()
        open_meeting(page)
        assert page.get_by_role("link", name="RIV-2025-004").count() == 0
        response = page.goto(f"/cases/{case.code}/")
        assert response.status == 404
        officer.console_errors.clear()  # the browser reports the 404 we asked for

        open_meeting(page)
        page.get_by_role("link", name="Read and sign the agreement").click()
        assert page_problems(page) == []
        page.get_by_label("Type your full name").fill("Tom Keller")
        # USWDS draws the box on the label; the input itself is visually hidden.
        page.locator("label", has_text="I have read this confidentiality agreement").click()
        assert page.get_by_label("I have read this confidentiality agreement").is_checked()
        page.get_by_role("button", name="Sign for this meeting").click()
        expect(page.get_by_text("Signed. You can now open the meeting's cases")).to_be_visible()
        page.get_by_role("link", name="RIV-2025-004").click()
        assert "RIV-2025-004" in page.get_by_role("heading", level=1).inner_text()
        text = page.locator("main").inner_text()
        for description in part2:
            assert description not in text
        assert officer.console_errors == []
    finally:
        officer.close()


def download_copy(page, button: str, folder: Path) -> tuple[Path, str]:
    """Ask for a packet, wait for it, download it: (the PDF, the copy's heading)."""
    page.get_by_role("button", name=button).click()
    heading = page.get_by_role("heading", level=1).inner_text()
    assert heading.startswith("Packet copy ")
    link = page.get_by_role("link", name="Download copy")
    link.wait_for(state="visible", timeout=60_000)
    assert page_problems(page) == []
    with page.expect_download() as download_info:
        link.click()
    path = folder / download_info.value.suggested_filename
    download_info.value.save_as(path)
    return path, heading


def test_officer_packet_has_no_part2_text(browser, site, tmp_path):
    from cases.models import Case, TimelineEvent

    # Runs after test_officer_signs_before_opening_the_meetings_cases (same file).
    cases = Case.objects.filter(agenda_items__meeting__title=PLANNED)
    part2 = list(
        TimelineEvent.objects.filter(case__in=cases, sensitivity="part2_sud").values_list(
            "description", flat=True
        )
    )
    assert part2, "the December meeting's cases have Part 2 touchpoints"
    officer = Visitor(browser, site.url)
    try:
        officer.sign_in("officer")
        open_meeting(officer.page)
        officer.page.get_by_role("link", name="Get my packet").click()
        path, _ = download_copy(officer.page, "Prepare my packet", tmp_path)
        text = " ".join(" ".join(page.split()) for page in pdf_pages(path))
        assert "prepared for Tom Keller" in text
        for description in part2:
            assert " ".join(description.split())[:40] not in text
        assert officer.console_errors == []
    finally:
        officer.close()


def test_facilitator_downloads_numbered_copies_and_marks_them_collected(browser, site, tmp_path):
    from cases.models import DecedentIdentifiers
    from meetings.models import PacketCopy
    from ofr.models import AccessEvent

    identifiers = DecedentIdentifiers.objects.filter(case__agenda_items__meeting__title=PLANNED)
    facilitator = Visitor(browser, site.url)
    page = facilitator.page
    try:
        facilitator.sign_in("facilitator")
        numbers = []
        for _ in range(2):
            open_meeting(page)
            page.get_by_role("link", name="Prepare packets").click()
            page.get_by_label("Prepare a packet for").select_option(label="Marcus Ortega")
            downloads = AccessEvent.objects.filter(action="download").count()
            path, heading = download_copy(page, "Prepare the packet", tmp_path)
            numbers.append(int(heading.split()[-1]))
            assert AccessEvent.objects.filter(action="download").count() == downloads + 1
            pages = pdf_pages(path)
            assert len(pages) > 5
            for number, text in enumerate(pages, start=1):
                flat = " ".join(text.split())
                assert f"copy {numbers[-1]} — prepared for Marcus Ortega" in flat, number
                assert f"Page {number} of {len(pages)}" in flat, number
            flat = " ".join(" ".join(pages).split())
            for row in identifiers:
                assert row.legal_name not in flat
                assert f"{row.date_of_birth:%m/%d/%Y}" not in flat
                assert f"{row.date_of_birth:%Y-%m-%d}" not in flat
        assert numbers[1] == numbers[0] + 1

        open_meeting(page)
        for status in ("In session", "Adjourned"):
            page.get_by_role("link", name="Change status").click()
            page.get_by_label("New status").select_option(label=status)
            page.get_by_role("button", name="Change status").click()
            expect(page.get_by_text(f"The meeting is now {status.lower()}")).to_be_visible()
        page.get_by_role("button", name=f"Mark copy {numbers[0]} collected").click()
        expect(page.get_by_text(f"Copy {numbers[0]}: collected.")).to_be_visible()
        copy = PacketCopy.objects.get(meeting__title=PLANNED, number=numbers[0])
        assert copy.disposition == "collected"
        assert page_problems(page) == []
        assert facilitator.console_errors == []
    finally:
        facilitator.close()
