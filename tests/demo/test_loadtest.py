import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from urllib.parse import parse_qs

from django.test import SimpleTestCase

from demo import loadtest
from demo.loadclient import Response, Result, Session, SignInFailed, form_fields, hammer


class FakeApp(BaseHTTPRequestHandler):
    """A tiny server: /ok answers 200, /flaky 200, 404 and 500 in turn, and
    /accounts/login/ a sign-in form that sets a session cookie."""

    answered = 0
    lock = threading.Lock()

    def log_message(self, *args) -> None:
        pass

    def reply(self, status: int, body: bytes = b"", headers: dict | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path == "/flaky":
            with FakeApp.lock:
                FakeApp.answered += 1
                status = (200, 404, 500)[FakeApp.answered % 3]
            return self.reply(status)
        if self.path == "/accounts/login/":
            form = (
                b'<form method="post" action="/accounts/logout/">'
                b'<input type="hidden" name="csrfmiddlewaretoken" value="wrong"></form>'
                b'<form method="post" action="/accounts/login/">'
                b'<input type="hidden" name="csrfmiddlewaretoken" value="t0ken">'
                b'<input name="username"><input type="password" name="password"></form>'
            )
            return self.reply(200, form, {"Set-Cookie": "csrftoken=c; Path=/"})
        if self.path == "/whoami":
            return self.reply(200, self.headers.get("Cookie", "").encode())
        if self.path == "/agent":
            return self.reply(200, self.headers.get("User-Agent", "").encode())
        self.reply(200 if self.path == "/ok" else 404, b"ok")

    def do_POST(self) -> None:
        fields = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
        if fields.get("csrfmiddlewaretoken") == ["t0ken"] and fields.get("password") == ["pw"]:
            return self.reply(302, headers={"Location": "/", "Set-Cookie": "sessionid=s1"})
        self.reply(200)


class LoadTestTestCase(SimpleTestCase):
    """The load tool's client, request loop and report against a tiny server."""

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.server = ThreadingHTTPServer(("127.0.0.1", 0), FakeApp)
        threading.Thread(target=cls.server.serve_forever, daemon=True).start()
        cls.port = cls.server.server_address[1]

    @classmethod
    def tearDownClass(cls) -> None:
        cls.server.shutdown()
        cls.server.server_close()
        super().tearDownClass()

    def session(self) -> Session:
        return Session("127.0.0.1", self.port, timeout=5)

    def test_it_counts_every_answer_and_its_status(self):
        result = hammer("ok", [self.session() for _ in range(4)], "/ok", seconds=0.5)
        self.assertGreater(result.requests, 20)
        self.assertEqual(result.statuses, {200: result.requests})
        self.assertEqual((result.errors, result.server_errors), (0, 0))
        self.assertAlmostEqual(result.per_second, result.requests / result.seconds)

    def test_it_counts_non_2xx_as_errors_and_5xx_apart(self):
        result = hammer("flaky", [self.session() for _ in range(3)], "/flaky", seconds=0.5)
        self.assertEqual(set(result.statuses), {200, 404, 500})
        self.assertEqual(result.errors, result.statuses[404] + result.statuses[500])
        self.assertEqual(result.server_errors, result.statuses[500])
        self.assertLess(abs(result.statuses[200] - result.statuses[500]), 4)

    def test_it_counts_requests_without_an_answer(self):
        closed = Session("127.0.0.1", 1, timeout=1)  # nothing listens on port 1
        result = hammer("down", [closed], "/ok", seconds=0.2)
        self.assertEqual(result.latencies, [])
        self.assertEqual(result.errors, sum(result.failures.values()))
        self.assertIn("ConnectionRefusedError", result.failures)

    def test_it_signs_in_with_the_forms_token_and_keeps_the_cookie(self):
        session = self.session()
        session.sign_in("/accounts/login/", "coordinator", "pw")
        self.assertEqual(self.session().get("/whoami").text, "")
        self.assertIn("sessionid=s1", session.get("/whoami").text)
        self.assertIn("sessionid=s1", session.copy().get("/whoami").text)
        with self.assertRaisesMessage(SignInFailed, "answered 200"):
            self.session().sign_in("/accounts/login/", "coordinator", "wrong")

    def test_it_takes_its_cookies_and_headers_to_another_server(self):
        other = ThreadingHTTPServer(("127.0.0.1", 0), FakeApp)
        threading.Thread(target=other.serve_forever, daemon=True).start()
        self.addCleanup(other.server_close)
        self.addCleanup(other.shutdown)
        session = Session("127.0.0.1", self.port, timeout=5, headers={"User-Agent": "host A"})
        session.sign_in("/accounts/login/", "coordinator", "pw")
        there = session.copy(port=other.server_address[1])
        self.assertEqual(there.port, other.server_address[1])
        self.assertIn("sessionid=s1", there.get("/whoami").text)
        self.assertEqual(there.get("/agent").text, "host A")
        relabelled = session.copy(headers={"User-Agent": "host B"})
        self.assertEqual((relabelled.port, relabelled.get("/agent").text), (self.port, "host B"))

    def test_it_reads_a_form_as_a_browser_submits_it(self):
        html = """
        <form method="post" action="/accounts/logout/"><input name="csrfmiddlewaretoken" value="x">
        </form>
        <form method="post"><input type="hidden" name="csrfmiddlewaretoken" value="t">
          <input name="title" value="A &amp; B"><input name="empty">
          <input type="checkbox" name="route" value="smoking" checked>
          <input type="checkbox" name="route" value="injection">
          <input type="radio" name="sex" value="male"><input type="radio" name="sex" value="female"
            checked>
          <input name="off" value="1" disabled><input type="submit" name="go" value="Save">
          <select name="manner"><option value="">-</option><option value="accident" selected>A
          </option></select>
          <select name="agency"><option value="3">Health</option><option value="4">EMS</option>
          </select>
          <select name="kinds" multiple><option value="a">a</option></select>
          <textarea name="text">line one
        line two</textarea>
        </form>"""
        self.assertEqual(
            form_fields(html, "/cases/1/edit/"),
            {
                "csrfmiddlewaretoken": ["t"],
                "title": ["A & B"],
                "empty": [""],
                "route": ["smoking"],
                "sex": ["female"],
                "manner": ["accident"],
                "agency": ["3"],
                "kinds": [],
                "text": ["line one\n        line two"],
            },
        )
        with self.assertRaisesMessage(ValueError, "No form posting to /elsewhere/"):
            form_fields(html.replace('method="post">', 'method="get">'), "/elsewhere/")

    def test_it_reports_percentiles_by_nearest_rank(self):
        result = Result("pages", seconds=10.0, latencies=[n / 1000 for n in range(1, 101)])
        self.assertEqual(result.percentile_ms(0.50), 50.0)
        self.assertEqual(result.percentile_ms(0.95), 95.0)
        self.assertEqual(result.percentile_ms(0.99), 99.0)
        self.assertEqual(result.per_second, 10.0)
        self.assertEqual(Result("none").percentile_ms(0.5), 0.0)

    def phase_result(self, key: str, per_second: float, statuses: dict) -> tuple:
        phase = loadtest.Phase(key, key.title(), "" if key == "static" else "coordinator", "/")
        result = Result(key, seconds=1.0)
        for status, count in statuses.items():
            for _ in range(count):
                result.add(Response(status, {}, b"", 0.01))
        result.latencies = result.latencies[: int(per_second)] or result.latencies
        return phase, result

    def test_it_holds_the_pages_to_their_targets_and_fails_on_any_error(self):
        rows = [
            self.phase_result("static", 900, {200: 900}),
            self.phase_result("list", 60, {200: 60}),
            self.phase_result("detail", 119, {200: 119}),
        ]
        checks = loadtest.target_checks(rows)
        self.assertEqual([passed for _name, passed, _detail in checks], [True, False])
        self.assertEqual(checks[1][2], "119.0 req/s")
        self.assertTrue(loadtest.error_check(rows)[1])
        report = loadtest.format_report(rows, heading="Load test")
        self.assertIn("PASS  coordinator: List >= 60 req/s", report)
        self.assertIn("FAIL  coordinator: Detail >= 120 req/s: 119.0 req/s", report)
        self.assertIn("6.7%", report)  # 60 of the static file's 900 req/s

        rows.append(self.phase_result("login", 100, {200: 97, 302: 1, 503: 2}))
        name, passed, detail = loadtest.error_check(rows)
        self.assertFalse(passed)
        self.assertIn("3 error(s), 2 of them 5xx", detail)
        self.assertIn("{302: 1, 503: 2}", detail)

    def test_it_finds_the_static_file_on_the_sign_in_page(self):
        page = SimpleNamespace(text='<link rel="stylesheet" href="/static/css/ofr.1a2b.css">')
        session = SimpleNamespace(get=lambda path: page)
        self.assertEqual(loadtest.static_path(session), "/static/css/ofr.1a2b.css")
        page.text = "<p>no style</p>"
        with self.assertRaises(loadtest.PageFailed):
            loadtest.static_path(session)
