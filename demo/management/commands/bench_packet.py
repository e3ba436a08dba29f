"""`manage.py bench_packet`: time a meeting packet (meetings/packets.py) for a
coordinator over synthetic cases, in a throwaway SQLite database: in process,
and by the real path of meetings/packet_jobs.py (a child process under the time
and memory limits)."""

import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from cases.access import viewers_for
from cases.models import Case
from demo import bench_dataset
from demo.management.commands.bench import LongHelpCommand, refuse_project_database
from meetings import packet_jobs
from meetings.packets import packet_html, render_pdf
from ofr.models import Team

# The packet target (development machine): 8 cases of 40 touchpoints under 8 s and 400 MB.
TARGET_SECONDS = 8.0
TARGET_MEGABYTES = 400.0
REFERENCE = "PACKET-{:03d}"
SUMMARY = (
    "Synthetic case for the packet benchmark; no real person. The decedent lived alone in "
    "rented housing and worked irregular construction jobs. Over the two years before death "
    "there were repeated emergency department visits for back pain and one non-fatal overdose "
    "treated with naloxone by EMS. A jail stay ended in release without naloxone or a referral "
    "to medication for opioid use disorder. The decedent briefly entered treatment, then left "
    "after a change of clinic hours. Family reported increasing isolation in the last months. "
    "Death occurred at home; a potential bystander was in the next room."
)

HELP = """\
Build CASES synthetic cases of EVENTS timeline events each in a new temporary
SQLite database, render the meeting packet for the team's coordinator RUNS
times, and report the pages, the render time (median of the runs: HTML and
PDF) and the peak memory of a fresh process that renders the packet once
(its high-water mark, Django and WeasyPrint included: what a render worker
needs). CPU seconds are shown beside the wall-clock times: on a busy machine
the two part.
Then it measures the real path RUNS times: the HTML handed to the layout
process (python -m meetings.pdf_worker) under the packet time and memory limits
(OFR_PACKET_TIME_LIMIT, OFR_PACKET_MEMORY_LIMIT_MB), with that process's
wall time (its start-up included) and its own peak memory: resident
(VmHWM) and address space (VmPeak, what the memory limit caps).
--in-process-only skips it.
Exit status 0 when the target is met (8 cases x 40 events: under 8 s and
under 400 MB, in process and by the real path), 1 when not. The configured
database is never touched: the command re-runs itself with SQLITE_PATH
pointing at the temporary file, which is deleted at the end.
"""


class Command(LongHelpCommand):
    help = HELP

    def add_arguments(self, parser) -> None:
        parser.add_argument("--cases", type=int, default=8, help="Cases (default 8).")
        parser.add_argument("--events", type=int, default=40, help="Events per case (default 40).")
        parser.add_argument("--runs", type=int, default=3, help="Timed renders (default 3).")
        parser.add_argument("--json", action="store_true", dest="as_json", help="Print JSON.")
        parser.add_argument(
            "--in-process-only",
            action="store_true",
            help="Skip the real path (the limited child process of packet_jobs).",
        )
        parser.add_argument("--worker", action="store_true", help="Internal: build and time.")
        parser.add_argument("--render-once", action="store_true", help="Internal: peak memory.")

    def handle(self, *args, **options) -> None:
        for name, low, high in (("cases", 1, 200), ("events", 1, 2000), ("runs", 1, 50)):
            if not low <= options[name] <= high:
                raise CommandError(f"--{name} must be from {low} to {high}.")
        if options["render_once"]:
            return self.render_once()
        if options["worker"]:
            return self.work(**options)
        return self.launch(**options)

    def launch(self, **options) -> None:
        handle, path = tempfile.mkstemp(prefix="ofr-bench-packet-", suffix=".sqlite3")
        os.close(handle)
        command = [*manage_py(), "--worker"]
        for name in ("cases", "events", "runs"):
            command += [f"--{name}", str(options[name])]
        if options["as_json"]:
            command.append("--json")
        if options["in_process_only"]:
            command.append("--in-process-only")
        self.stderr.write(f"Benchmark database: {path}")
        try:
            worker = subprocess.run(command, env=worker_environment(path), check=False)  # noqa: S603
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        if worker.returncode:
            raise CommandError(
                f"The packet benchmark did not pass (exit status {worker.returncode}).",
                returncode=worker.returncode,
            )

    def work(self, *, cases, events, runs, as_json, in_process_only=False, **options) -> None:
        check_worker_database()
        if connection.introspection.table_names():
            raise CommandError("The benchmark database is not empty: it will not touch it.")
        started = time.perf_counter()
        call_command("migrate", interactive=False, verbosity=0)
        settings.DEBUG = False  # as in production: no query log
        self.stderr.write(f"Building {cases} cases of {events} events...")
        build(cases=cases, events=events)
        self.stderr.write(f"Built in {time.perf_counter() - started:.1f} s. Rendering...")
        timings = []
        for run in range(runs):
            measured = render_packet()
            timings.append(measured)
            self.stderr.write(
                f"  run {run + 1}: {measured['pages']} pages in {measured['seconds']:.2f} s"
            )
        self.stderr.write("Peak memory: rendering once in a fresh process...")
        fresh = subprocess.run(  # noqa: S603
            [*manage_py(), "--render-once"],
            env=worker_environment(settings.DATABASES["default"]["NAME"]),
            capture_output=True,
            text=True,
            check=False,
        )
        if fresh.returncode:
            raise CommandError(f"The fresh render failed:\n{fresh.stderr}")
        real = []
        if not in_process_only:
            self.stderr.write(
                f"Real path: the layout process under the limits "
                f"({packet_jobs.time_limit():g} s, {packet_jobs.memory_limit_mb()} MB)..."
            )
            for run in range(runs):
                measured = render_packet_real()
                real.append(measured)
                self.stderr.write(
                    f"  run {run + 1}: {measured['pages']} pages in {measured['seconds']:.2f} s, "
                    f"peak {measured['peak_rss_mb']:.0f} MB resident, "
                    f"{measured['peak_vm_mb']:.0f} MB address space"
                )
        report = make_report(cases, events, timings, json.loads(fresh.stdout), real)
        self.stdout.write(json.dumps(report, indent=2) if as_json else format_report(report))
        if not report["ok"]:
            raise CommandError("Target not met.", returncode=1)

    def render_once(self) -> None:
        check_worker_database()
        settings.DEBUG = False
        before = peak_megabytes()
        measured = render_packet()
        measured |= {"rss_before_mb": before, "peak_mb": peak_megabytes()}
        self.stdout.write(json.dumps(measured))


def peak_megabytes() -> float:
    """This process's peak resident memory. Linux's ru_maxrss survives exec,
    so a child started by a big parent reports at least the parent's size;
    VmHWM in /proc/self/status counts this program's memory only. Elsewhere
    ru_maxrss is all there is (KiB on Linux, bytes on macOS)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024 if sys.platform == "darwin" else 1024)


def manage_py() -> list[str]:
    return [sys.executable, str(settings.BASE_DIR / "manage.py"), "bench_packet"]


def worker_environment(path: str) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    environment["SQLITE_PATH"] = str(path)
    environment.setdefault("LOG_LEVEL", "WARNING")
    return environment


def check_worker_database() -> None:
    database = settings.DATABASES["default"]
    if (
        database["ENGINE"] != "django.db.backends.sqlite3"
        or os.environ.get("DATABASE_URL")
        or not os.environ.get("SQLITE_PATH")
    ):
        raise CommandError("--worker and --render-once are internal: run `manage.py bench_packet`.")
    refuse_project_database(Path(database["NAME"]).resolve(), configured=False)


def build(*, cases: int, events: int) -> None:
    """The team, users and agencies of demo/bench_dataset.py, then `cases`
    cases of exactly `events` events, each furnished as bench_dataset.py
    furnishes its measured cases (notes, a finding, requests, toxicology),
    with a received request and a realistic summary. Every row is written
    with its history."""
    rng = random.Random(5)  # noqa: S311  (synthetic data, reproducible)
    today = date.today()
    with transaction.atomic():
        team, _other, agencies, coordinator, reviewer, _ = bench_dataset._foundation(today)
    references = [REFERENCE.format(n) for n in range(1, cases + 1)]
    dates_of_death = bench_dataset._create_cases(team, references, coordinator, rng, today)
    case_ids = list(dates_of_death)
    bench_dataset._create_events(
        dict.fromkeys(case_ids, events),
        dates_of_death,
        agencies,
        coordinator,
        rng,
        bench_dataset._quiet,
        time.perf_counter(),
    )
    bench_dataset._create_toxicology(case_ids, coordinator, rng)
    for case in Case.objects.filter(pk__in=case_ids):
        bench_dataset._furnish(
            case, agencies, coordinator, reviewer, dates_of_death[case.pk], today
        )
        with transaction.atomic():
            case.summary = SUMMARY
            case._change_reason = bench_dataset.REASON
            case.save()
            request = case.record_requests.get()
            request.outcome, request.answered_on = "received", today
            request._change_reason = bench_dataset.REASON
            request.save()


def render_packet() -> dict:
    """One packet for the benchmark team's coordinator: HTML, then PDF."""
    team = Team.objects.get(short_code=bench_dataset.TEAM_SHORT_CODE)
    coordinator = get_user_model().objects.get(username=bench_dataset.COORDINATOR)
    started, cpu_started = time.perf_counter(), time.process_time()
    cases = list(
        Case.objects.filter(team=team)
        .select_related("team", "decedent", "death", "circumstances")
        .order_by("reference")
    )
    html = packet_html(
        team=team,
        cases=cases,
        recipient=coordinator,
        viewers=viewers_for(coordinator, cases),
        copy_number=1,
        prepared_on=date.today(),
    )
    html_done = time.perf_counter()
    pdf, pages = render_pdf(html)
    done = time.perf_counter()
    return {
        "pages": pages,
        "bytes": len(pdf),
        "html_seconds": html_done - started,
        "seconds": done - started,
        "cpu_seconds": time.process_time() - cpu_started,
    }


def render_packet_real() -> dict:
    """The real path of meetings/packet_jobs.py for the coordinator's packet: the
    HTML in this process, the layout in the limited child process."""
    team = Team.objects.get(short_code=bench_dataset.TEAM_SHORT_CODE)
    coordinator = get_user_model().objects.get(username=bench_dataset.COORDINATOR)
    cases = list(
        Case.objects.filter(team=team)
        .select_related("team", "decedent", "death", "circumstances")
        .order_by("reference")
    )
    started = time.perf_counter()
    html = packet_html(
        team=team,
        cases=cases,
        recipient=coordinator,
        viewers=viewers_for(coordinator, cases),
        copy_number=1,
        prepared_on=date.today(),
    )
    with tempfile.TemporaryDirectory(prefix="ofr-bench-packet-") as folder:
        rendered = packet_jobs.render_in_subprocess(
            html,
            Path(folder),
            time_limit=packet_jobs.time_limit(),
            memory_limit_mb=packet_jobs.memory_limit_mb(),
        )
        size = rendered.path.stat().st_size
    return {
        "pages": rendered.pages,
        "bytes": size,
        "seconds": time.perf_counter() - started,
        "layout_seconds": rendered.seconds,
        "layout_cpu_seconds": rendered.cpu_seconds,
        "peak_rss_mb": rendered.peak_rss_mb,
        "peak_vm_mb": rendered.peak_vm_mb,
    }


def make_report(
    cases: int, events: int, timings: list[dict], fresh: dict, real: list[dict] | None = None
) -> dict:
    median = statistics.median(t["seconds"] for t in timings)
    checks = [
        (f"median render < {TARGET_SECONDS:.0f} s", median < TARGET_SECONDS),
        (f"fresh-process render < {TARGET_SECONDS:.0f} s", fresh["seconds"] < TARGET_SECONDS),
        (f"peak memory < {TARGET_MEGABYTES:.0f} MB", fresh["peak_mb"] < TARGET_MEGABYTES),
    ]
    real_report = {}
    if real:
        real_median = statistics.median(r["seconds"] for r in real)
        real_peak = statistics.median(r["peak_rss_mb"] for r in real)
        checks += [
            (f"real path: median < {TARGET_SECONDS:.0f} s", real_median < TARGET_SECONDS),
            (
                f"real path: layout process peak < {TARGET_MEGABYTES:.0f} MB",
                real_peak < TARGET_MEGABYTES,
            ),
        ]
        real_report = {
            "real_path": {
                "time_limit_seconds": packet_jobs.time_limit(),
                "memory_limit_mb": packet_jobs.memory_limit_mb(),
                "seconds": [round(r["seconds"], 2) for r in real],
                "median_seconds": round(real_median, 2),
                "median_layout_seconds": round(
                    statistics.median(r["layout_seconds"] for r in real), 2
                ),
                "median_layout_cpu_seconds": round(
                    statistics.median(r["layout_cpu_seconds"] for r in real), 2
                ),
                "peak_rss_mb": [round(r["peak_rss_mb"], 1) for r in real],
                "median_peak_rss_mb": round(real_peak, 1),
                "median_peak_vm_mb": round(statistics.median(r["peak_vm_mb"] for r in real), 1),
            }
        }
    return {
        "cases": cases,
        "events_per_case": events,
        "runs": len(timings),
        "pages": timings[0]["pages"],
        "pdf_kib": round(timings[0]["bytes"] / 1024, 1),
        "seconds": [round(t["seconds"], 2) for t in timings],
        "median_seconds": round(median, 2),
        "median_cpu_seconds": round(statistics.median(t["cpu_seconds"] for t in timings), 2),
        "median_html_seconds": round(statistics.median(t["html_seconds"] for t in timings), 3),
        "pages_per_second": round(timings[0]["pages"] / median, 1),
        "fresh_seconds": round(fresh["seconds"], 2),
        "fresh_cpu_seconds": round(fresh["cpu_seconds"], 2),
        "fresh_rss_before_render_mb": round(fresh["rss_before_mb"], 1),
        "peak_mb": round(fresh["peak_mb"], 1),
        **real_report,
        "checks": [{"check": name, "passed": passed} for name, passed in checks],
        "ok": all(passed for _name, passed in checks),
    }


def format_report(report: dict) -> str:
    lines = [
        f"Packet benchmark: {report['cases']} cases x {report['events_per_case']} timeline "
        f"events, for the coordinator (every category visible), PDF/UA-1.",
        "",
        f"Pages:                 {report['pages']} ({report['pdf_kib']} KiB)",
        f"Render times:          {', '.join(f'{s:.2f} s' for s in report['seconds'])}",
        f"Median render:         {report['median_seconds']:.2f} s "
        f"(CPU {report['median_cpu_seconds']:.2f} s; HTML {report['median_html_seconds']:.3f} s; "
        f"{report['pages_per_second']} pages/s)",
        f"Fresh-process render:  {report['fresh_seconds']:.2f} s "
        f"(CPU {report['fresh_cpu_seconds']:.2f} s)",
        f"Peak memory:           {report['peak_mb']:.1f} MB (fresh process; "
        f"{report['fresh_rss_before_render_mb']:.1f} MB before rendering)",
        "",
    ]
    if "real_path" in report:
        real = report["real_path"]
        lines += [
            f"Real path (layout process; limits {real['time_limit_seconds']:g} s, "
            f"{real['memory_limit_mb']} MB address space):",
            f"  Times:               {', '.join(f'{s:.2f} s' for s in real['seconds'])}",
            f"  Median:              {real['median_seconds']:.2f} s "
            f"(layout process {real['median_layout_seconds']:.2f} s, "
            f"CPU {real['median_layout_cpu_seconds']:.2f} s, start-up included)",
            f"  Peak memory:         {real['median_peak_rss_mb']:.1f} MB resident, "
            f"{real['median_peak_vm_mb']:.1f} MB address space (median of the runs)",
            "",
        ]
    lines += [f"{'PASS' if c['passed'] else 'FAIL'}  {c['check']}" for c in report["checks"]]
    verdict = "Target met." if report["ok"] else "Target NOT met."
    lines += ["", f"{verdict} (Target: 8 cases x 40 events in under 8 s and 400 MB.)"]
    return "\n".join(lines)
