"""The HTTP side of `manage.py loadtest` and `manage.py soak`: a small client
(cookies, CSRF tokens from forms, sign-in), a bounded load loop and its figures.

A Python client rather than wrk: it tells 3xx, 4xx and 5xx apart (wrk counts
a redirect to the sign-in page as a success), keeps every latency for exact
p50/p95/p99, shares its code with the soak, needs no package from apt and runs
in the unit tests against a tiny server. Its own CPU time is reported beside
each figure, so a result limited by the client shows as such.
"""

from __future__ import annotations

import http.client
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

from demo.bench_pages import percentile
from demo.second_factor import CodeBook

# The codes this process has entered, per user: its sign-ins never replay one.
CODES = CodeBook()
SECOND_STEP = "/accounts/two-factor/"


class SignInFailed(Exception):
    """The sign-in form did not let the user in."""


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    @property
    def location(self) -> str:
        return self.headers.get("location", "")


class Session:
    """One browser: its cookies, over a connection reopened when the server
    closes it (gunicorn's sync workers close every connection)."""

    def __init__(
        self, host: str, port: int, *, timeout: float = 60.0, headers: dict | None = None
    ) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.headers = dict(headers or {})  # sent with every request (a User-Agent)
        self.cookies: dict[str, str] = {}
        self._connection: http.client.HTTPConnection | None = None

    def copy(self, *, port: int | None = None, headers: dict | None = None) -> Session:
        """Another connection with the same cookies (the same signed-in user),
        to the same server or to the one at `port` on the same host."""
        other = Session(
            self.host,
            port or self.port,
            timeout=self.timeout,
            headers=self.headers if headers is None else headers,
        )
        other.cookies = dict(self.cookies)
        return other

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict | None = None
    ) -> Response:
        headers = {"Host": f"{self.host}:{self.port}", **self.headers, **(headers or {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self._connection is None:
            self._connection = http.client.HTTPConnection(
                self.host, self.port, timeout=self.timeout
            )
        started = time.perf_counter()
        try:
            self._connection.request(method, path, body=body, headers=headers)
            answer = self._connection.getresponse()
            content = answer.read()
        except (OSError, http.client.HTTPException):
            self.close()
            raise
        seconds = time.perf_counter() - started
        for value in answer.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(value).items():
                if morsel["max-age"] == "0" or morsel.value == "":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        if answer.will_close:
            self.close()
        received = {k.lower(): v for k, v in answer.getheaders()}
        return Response(answer.status, received, content, seconds)

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post(self, path: str, fields: dict[str, list[str]], files: dict | None = None) -> Response:
        """POST a form; `files` maps a field to (file name, content type, bytes)."""
        origin = {"Referer": f"http://{self.host}:{self.port}{path}"}
        if files:
            body, content_type = multipart(fields, files)
        else:
            body = urlencode([(k, v) for k, vs in fields.items() for v in vs]).encode()
            content_type = "application/x-www-form-urlencoded"
        return self.request("POST", path, body, {"Content-Type": content_type, **origin})

    def sign_in(self, login_path: str, username: str, password: str) -> None:
        """Both steps: the password, then a code (benchmark and demo users
        share the demo's authenticator secret)."""
        page = self.get(login_path)
        fields = form_fields(page.text, login_path)
        fields.update(username=[username], password=[password])
        answer = self.post(login_path, fields)
        if answer.status != 302:
            raise SignInFailed(f"Signing in as {username} answered {answer.status}, not 302.")
        landing = self.get(answer.location)
        if landing.status == 302 and landing.location.startswith(SECOND_STEP):
            self.enter_code(landing.location, username)

    def enter_code(self, path: str, username: str) -> None:
        for _ in range(2):
            page = self.get(path)
            fields = form_fields(page.text, path)
            fields["code"] = [CODES.take(username)]
            if self.post(path, fields).status == 302:
                return
            CODES.refused(username)
        raise SignInFailed(f"The second step refused the codes for {username}.")


def multipart(fields: dict[str, list[str]], files: dict) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, values in fields.items():
        for value in values:
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                f"{value}\r\n".encode()
            )
    for name, (filename, content_type, content) in files.items():
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'
        )
        parts.append(head.encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class _FormParser(HTMLParser):
    """The fields of the page's POST forms, as a browser would submit them
    untouched: checked boxes, selected options (else the first), textareas."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, dict[str, list[str]]]] = []  # (action, fields)
        self._form: dict[str, list[str]] | None = None
        self._select: tuple[str, bool] | None = None  # name, multiple
        self._first_option: str | None = None
        self._chosen: list[str] = []
        self._option: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "").lower() == "post":
            self._form = {}
            self.forms.append((a.get("action", ""), self._form))
        if self._form is None or "disabled" in a:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            default = "on" if kind in ("checkbox", "radio") else ""
            self._form.setdefault(name, []).append(a.get("value", default))
        elif tag == "select" and name:
            self._select, self._first_option, self._chosen = (name, "multiple" in a), None, []
        elif tag == "option" and self._select:
            self._option = a.get("value")
            value = a.get("value", "")
            if self._first_option is None:
                self._first_option = value
            if "selected" in a:
                self._chosen.append(value)
        elif tag == "textarea" and name:
            self._textarea = name
            self._form[name] = [""]

    def handle_data(self, data):
        if self._textarea and self._form is not None:
            self._form[self._textarea][0] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select" and self._select and self._form is not None:
            name, multiple = self._select
            if not self._chosen and not multiple and self._first_option is not None:
                self._chosen = [self._first_option]
            self._form[name] = self._chosen
            self._select = None


def form_fields(html: str, path: str) -> dict[str, list[str]]:
    """The fields of the page's POST form that posts to `path` (the page's own
    address when it has no action), not those of the sign-out button's form."""
    parser = _FormParser()
    parser.feed(html)
    for action, fields in parser.forms:
        if action in ("", path) and "csrfmiddlewaretoken" in fields:
            return fields
    raise ValueError(f"No form posting to {path} on the page.")


# --- The load loop --------------------------------------------------------------------


@dataclass
class Result:
    """What one kind of request got in one run."""

    name: str
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)  # seconds, answered requests
    statuses: Counter = field(default_factory=Counter)
    failures: Counter = field(default_factory=Counter)  # no answer: exception names
    # This process's CPU time over the run's wall time (1.0: one core busy):
    # near 1, the client's GIL may be what limits the figure.
    client_cpu: float = 0.0

    @property
    def requests(self) -> int:
        return len(self.latencies) + sum(self.failures.values())

    @property
    def per_second(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    @property
    def errors(self) -> int:
        """Answers other than 2xx, and requests that got no answer."""
        non_2xx = sum(n for status, n in self.statuses.items() if not 200 <= status < 300)
        return non_2xx + sum(self.failures.values())

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)

    def percentile_ms(self, fraction: float) -> float:
        return percentile(self.latencies, fraction) * 1000 if self.latencies else 0.0

    def add(self, response: Response) -> None:
        self.latencies.append(response.seconds)
        self.statuses[response.status] += 1


def hammer(
    name: str,
    sessions: list[Session],
    path: str,
    *,
    seconds: float,
    warmup: float = 0.0,
) -> Result:
    """GET `path` from every session at once (one thread each, one request at
    a time) for `seconds`, after `warmup` seconds whose answers are not counted.
    A request started before the deadline is waited for and counted."""
    result = Result(name)
    lock = threading.Lock()
    start = threading.Barrier(len(sessions) + 1)
    times: dict[str, float] = {}

    def client(session: Session) -> None:
        start.wait()
        while time.perf_counter() < times["end"]:
            counted = time.perf_counter() >= times["begin"]
            try:
                response = session.get(path)
            except (OSError, http.client.HTTPException) as error:
                if counted:
                    with lock:
                        result.failures[type(error).__name__] += 1
                continue
            if counted:
                with lock:
                    result.add(response)

    threads = [threading.Thread(target=client, args=(s,), daemon=True) for s in sessions]
    for thread in threads:
        thread.start()
    now = time.perf_counter()
    times.update(begin=now + warmup, end=now + warmup + seconds)
    cpu = time.process_time()
    start.wait()
    for thread in threads:
        thread.join()
    finished = time.perf_counter()
    result.seconds = finished - times["begin"]
    result.client_cpu = (time.process_time() - cpu) / (finished - now)
    return result


def path_of(url: str) -> str:
    """The path and query of a URL or of a path."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")
