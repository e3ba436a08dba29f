"""The packet renderer's child process: HTML file in, PDF file out.

    python -m meetings.pdf_worker IN.html OUT.pdf [--memory-limit-mb N]

meetings/packet_jobs.py runs it for each packet copy, with a wall-clock limit,
so that a packet that is too big or too slow is stopped without taking the
task worker down with it. Its first act is to cap its own address space
(RLIMIT_AS): set here rather than in the parent's preexec_fn, which is not
safe in a parent that runs threads (the task worker under --reload, a
threaded web server).

It sets Django up (the static-file finders serve the stylesheet and fonts to
WeasyPrint) but never uses the database: the HTML it gets is already
filtered for its recipient, and any query is refused.

It writes the PDF atomically (a temporary name beside OUT, then a rename), so
OUT is either whole or absent, and prints one JSON line on standard output:
{"pages": N, "peak_rss_mb": ..., "peak_vm_mb": ...}.

Given --parent-pid (the worker's pid), it dies with its parent (Linux): the
wall-clock limit is the parent's, so a child orphaned by a killed worker
would otherwise run on unbounded, its files left behind.

Exit status: 0 done; 3 out of memory (a MemoryError, or any failure once
the address space came within 64 MB of the cap); 2 bad arguments; 1 anything
else.
"""

import argparse
import ctypes
import json
import os
import resource
import signal
import sys

EXIT_MEMORY = 3
EXIT_USAGE = 2
EXIT_FAILED = 1


PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int) -> None:
    """Be killed when the parent dies; exit now if it already has."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent_pid:  # it died before the line above took effect
        os._exit(EXIT_FAILED)


def limit_memory(megabytes: int) -> None:
    if megabytes > 0:
        size = megabytes * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (size, size))


def peak_memory() -> dict[str, float]:
    """This process's peak resident set (VmHWM) and address space (VmPeak), in MB."""
    peaks = {"peak_rss_mb": 0.0, "peak_vm_mb": 0.0}
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    peaks["peak_rss_mb"] = round(int(line.split()[1]) / 1024, 1)
                elif line.startswith("VmPeak:"):
                    peaks["peak_vm_mb"] = round(int(line.split()[1]) / 1024, 1)
    except OSError:
        usage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        peaks["peak_rss_mb"] = round(usage / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)
    return peaks


# Set when a MemoryError was raised and swallowed (in a generator's cleanup, a
# __del__, a C callback): what fails next may look unrelated.
memory_error_swallowed = False


def note_swallowed_memory_errors(unraisable) -> None:
    global memory_error_swallowed
    if issubclass(unraisable.exc_type, MemoryError):
        memory_error_swallowed = True
    sys.__unraisablehook__(unraisable)


def out_of_memory(error: BaseException) -> bool:
    """Whether a MemoryError is behind `error` (a library may wrap it, or
    have swallowed it before failing otherwise)."""
    if memory_error_swallowed:
        return True
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, MemoryError):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


# glibc reserves address space in 64 MB steps (its per-thread arenas) and maps
# big blocks on their own: an allocation can fail with this much still free.
HEADROOM_MB = 64


def near_limit(megabytes: int) -> bool:
    """Whether the address space came within HEADROOM_MB of the cap: C code
    (Pango, HarfBuzz, libpq) that cannot allocate fails with odd errors, not
    MemoryError."""
    return megabytes > 0 and peak_memory()["peak_vm_mb"] + HEADROOM_MB >= megabytes


def refuse_queries(execute, sql, params, many, context):
    raise RuntimeError("The PDF worker does not use the database.")


def render(source: str, target: str) -> int:
    """Render the HTML file `source` to the PDF file `target`; the page count."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ofr.settings")
    django.setup()
    from django.db import connections

    from ofr.pdf import render_pdf

    with open(source, encoding="utf-8") as handle:
        html = handle.read()
    with connections["default"].execute_wrapper(refuse_queries):
        pdf, pages = render_pdf(html)
    partial = f"{target}.part"
    try:
        with open(partial, "wb") as handle:
            handle.write(pdf)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, target)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)
    return pages


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m meetings.pdf_worker")
    parser.add_argument("source", help="The packet's HTML file.")
    parser.add_argument("target", help="Where to write the PDF.")
    parser.add_argument("--memory-limit-mb", type=int, default=0, help="Address-space cap.")
    parser.add_argument("--parent-pid", type=int, default=0, help="Die with this parent.")
    try:
        arguments = parser.parse_args(argv)
    except SystemExit:
        return EXIT_USAGE
    global memory_error_swallowed
    memory_error_swallowed = False
    previous_hook, sys.unraisablehook = sys.unraisablehook, note_swallowed_memory_errors
    try:
        return run(arguments)
    except MemoryError:  # raised again while reporting the first failure
        return EXIT_MEMORY
    finally:
        sys.unraisablehook = previous_hook


def run(arguments: argparse.Namespace) -> int:
    if arguments.parent_pid:
        die_with_parent(arguments.parent_pid)
    try:
        limit_memory(arguments.memory_limit_mb)
        pages = render(arguments.source, arguments.target)
    except MemoryError:
        sys.stderr.write("pdf_worker: out of memory\n")
        return EXIT_MEMORY
    except Exception as error:  # noqa: BLE001  (the parent logs stderr and fails the job)
        if out_of_memory(error) or near_limit(arguments.memory_limit_mb):
            sys.stderr.write(f"pdf_worker: out of memory ({type(error).__name__})\n")
            return EXIT_MEMORY
        import traceback

        # Where it failed, but not the exception's message: logs never carry
        # packet content (a message may quote the HTML).
        sys.stderr.write("".join(traceback.format_tb(error.__traceback__)))
        sys.stderr.write(f"pdf_worker: {type(error).__module__}.{type(error).__name__}\n")
        return EXIT_FAILED
    sys.stdout.write(json.dumps({"pages": pages, **peak_memory()}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
