from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import TestCase

from demo.management.commands import bench_packet


class BenchPacketTestCase(TestCase):
    """`manage.py bench_packet`'s build, render and report at a tiny size, in-process."""

    def test_it_benchmarks_a_small_packet(self):
        bench_packet.build(cases=2, events=3)
        measured = bench_packet.render_packet()
        self.assertGreaterEqual(measured["pages"], 4)
        fresh = {**measured, "rss_before_mb": 80.0, "peak_mb": 150.0}
        report = bench_packet.make_report(2, 3, [measured], fresh)
        self.assertEqual(report["pages"], measured["pages"])
        self.assertEqual(report["ok"], measured["seconds"] < bench_packet.TARGET_SECONDS)
        self.assertIn("PASS  peak memory < 400 MB", bench_packet.format_report(report))
        slow = bench_packet.make_report(2, 3, [{**measured, "seconds": 9.0}], fresh)
        self.assertFalse(slow["ok"])

    def test_the_benchmark_refuses_bad_sizes_and_the_configured_database(self):
        for arguments in (["--cases", "0"], ["--events", "0"], ["--runs", "0"], ["--worker"]):
            with self.subTest(arguments=arguments), self.assertRaises(CommandError):
                call_command("bench_packet", *arguments)
