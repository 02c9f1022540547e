"""The web benchmark's load: locust users of each role against one server.

Run as ``python -m attachment.benchmarks.web_load`` with a JSON plan on
stdin; it prints a JSON summary per page on stdout.  It is a process of its
own because locust patches the standard library for gevent when imported,
which must happen before anything else (Django, psycopg) is loaded.  It does
not touch the database.

The plan names the server, the password, the people of each role with the
paths they open, ``seconds``, ``users`` and ``mode``.  In ``pages`` mode
each page in turn is requested by ``users`` users at once for ``seconds``
(its own cost at that concurrency, as a page is compared with the sign-in
page).  In ``mix`` mode the roles' users run at once for ``seconds``, shared
out by the roles' weights (a clinic's day); with fewer users than roles they
run one role after another for an equal share of the time.  Each person
signs in once, before the measured time starts, and the users acting as
that person share the session.
"""

from __future__ import annotations

import copy
import json
import sys
import time
from collections.abc import Iterable, Sequence
from http.cookiejar import Cookie
from typing import Any, ClassVar, cast

import gevent  # type: ignore[import-untyped]
import gevent.event  # type: ignore[import-untyped]
import gevent.lock  # type: ignore[import-untyped]
from locust import HttpUser, User, constant, task
from locust.env import Environment

SIGN_IN = "/accounts/login/"
SETUP = "setup: "
SIGN_IN_SECONDS = 120


class _Plan:
    """The plan read from stdin, shared by the user classes, and the start
    line: the users that have signed in wait at it until all have."""

    data: ClassVar[dict[str, Any]] = {}
    sessions: ClassVar[dict[str, list[Cookie]]] = {}
    locks: ClassVar[dict[str, Any]] = {}
    signed_in: ClassVar[int] = 0
    go: ClassVar[gevent.event.Event] = gevent.event.Event()


class _Timings:
    def __init__(self) -> None:
        self.times: dict[str, list[float]] = {}
        self.errors: dict[str, int] = {}
        self.samples: dict[str, str] = {}

    def record(
        self,
        request_type: str,
        name: str,
        response_time: float,
        response_length: int,
        exception: BaseException | None = None,
        **_: Any,
    ) -> None:
        self.times.setdefault(name, []).append(response_time)
        self.errors.setdefault(name, 0)
        if exception is not None:
            self.errors[name] += 1
            self.samples.setdefault(name, str(exception)[:200])

    def summary(self, seconds: dict[str, float]) -> dict[str, dict[str, Any]]:
        """Per name; requests per second over the measured time of its role
        (for the sign-in steps, which come before it, over that time too)."""
        return {
            name: {
                "requests": len(times),
                "errors": self.errors[name],
                "p50": _percentile(times, 0.50),
                "p95": _percentile(times, 0.95),
                "p99": _percentile(times, 0.99),
                "per_second": len(times) / seconds[name],
                "error_sample": self.samples.get(name, ""),
            }
            for name, times in self.times.items()
        }


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


class _Role(HttpUser):
    """A signed-in session of one person of ``role``; its people take turns."""

    abstract = True
    wait_time = constant(0)
    role = ""
    taken: ClassVar[int] = 0

    def on_start(self) -> None:
        people = _Plan.data["people"][self.role]
        person = people[type(self).taken % len(people)]
        type(self).taken += 1
        self.paths: dict[str, Any] = person["paths"]
        if self.role != "anonymous":
            self._session_of(person["email"])
        _Plan.signed_in += 1
        _Plan.go.wait()
        # Every page of the role once, then as the weights pick them: even
        # a short run measures each page.
        for each in dict.fromkeys(self.tasks):
            each(self)  # type: ignore[operator]

    def _session_of(self, email: str) -> None:
        """The person's session: signed in once per run, then shared by
        every user acting as that person (sign-ins are rate-limited per
        address, and a run has up to twenty users per page)."""
        with _Plan.locks.setdefault(email, gevent.lock.Semaphore()):
            if email not in _Plan.sessions:
                self._sign_in(email)
                # A cookie jar iterates over its cookies, whatever the stubs say.
                jar = cast("Iterable[Cookie]", self.client.cookies)
                _Plan.sessions[email] = list(jar)
                return
        for cookie in _Plan.sessions[email]:
            self.client.cookies.set_cookie(copy.copy(cookie))

    def _sign_in(self, email: str) -> None:
        self.client.get(SIGN_IN, name=f"{SETUP}sign-in form", headers=self.cookies())
        with self.client.post(
            SIGN_IN,
            data={
                "login": email,
                "password": _Plan.data["password"],
                "csrfmiddlewaretoken": self.csrf(),
            },
            headers=self.cookies(Referer=_Plan.data["host"] + SIGN_IN),
            name=f"{SETUP}sign in",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"sign-in answered {response.status_code}")

    def cookies(self, **headers: str) -> dict[str, str]:
        """The session's cookies as a header: the production settings mark
        them Secure and the server here is plain HTTP on loopback, so the
        cookie jar would keep them back."""
        jar = "; ".join(f"{c.name}={c.value}" for c in self.client.cookies)
        return {"Cookie": jar, **headers}

    def csrf(self) -> str:
        tokens = [c.value for c in self.client.cookies if c.name == "csrftoken"]
        return str(tokens[-1]) if tokens else ""

    def page(self, name: str, path: str) -> None:
        with self.client.get(
            path,
            name=name,
            headers=self.cookies(),
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"answered {response.status_code}")


class Anonymous(_Role):
    role = "anonymous"
    weight = 3

    @task
    def sign_in_page(self) -> None:
        self.page("sign-in page (anonymous)", SIGN_IN)


class Therapist(_Role):
    role = "therapist"
    weight = 12

    @task(4)
    def caseload(self) -> None:
        self.page("caseload (therapist)", self.paths["caseload"])

    @task(3)
    def client_page(self) -> None:
        self.page("client page", self.paths["client"])

    @task(2)
    def timeline(self) -> None:
        self.page("timeline, first page", self.paths["timeline"])

    @task(1)
    def timeline_deep(self) -> None:
        self.page("timeline, deep page", self.paths["timeline_deep"])

    @task(1)
    def flag_queue(self) -> None:
        self.page("flag queue (therapist)", self.paths["flag_queue"])

    @task(1)
    def flag(self) -> None:
        self.page("flag page (therapist)", self.paths["flag"])

    @task(1)
    def log_contact(self) -> None:
        with self.client.post(
            self.paths["contact_new"],
            data={
                "occurred_at": time.strftime("%Y-%m-%dT%H:%M", time.gmtime()),
                "channel": "text",
                "direction": "from_client",
                "purpose": "",
                "csrfmiddlewaretoken": self.csrf(),
            },
            headers=self.cookies(
                Referer=_Plan.data["host"] + self.paths["contact_new"]
            ),
            name="log a contact (POST)",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"answered {response.status_code}")


class Supervisor(_Role):
    role = "supervisor"
    weight = 4

    @task(2)
    def flag_queue(self) -> None:
        self.page("flag queue (supervisor)", self.paths["flag_queue"])

    @task(2)
    def flag(self) -> None:
        self.page("flag page (supervisor)", self.paths["flag"])

    @task(2)
    def overview(self) -> None:
        self.page("supervisor overview", self.paths["overview"])


class Admin(_Role):
    role = "admin"
    weight = 1

    @task
    def clinic_overview(self) -> None:
        self.page("clinic overview (admin)", self.paths["clinic_overview"])


USER_CLASSES: list[type[_Role]] = [Anonymous, Therapist, Supervisor, Admin]


def _fix_counts(users: int) -> None:
    """``users`` shared out by the roles' weights, at least one each."""
    total = sum(role.weight for role in USER_CLASSES)
    for role in USER_CLASSES:
        role.fixed_count = max(1, int(users * role.weight // total))
    Therapist.fixed_count += users - sum(role.fixed_count for role in USER_CLASSES)


def _run(
    classes: Sequence[type[User]],
    users: int,
    seconds: float,
    timings: _Timings,
    durations: dict[str, float],
) -> None:
    """Sign ``users`` in (not timed), then measure for ``seconds``."""
    before = set(timings.times)
    _Plan.signed_in, _Plan.go = 0, gevent.event.Event()
    environment = Environment(user_classes=list(classes), host=_Plan.data["host"])
    environment.events.request.add_listener(timings.record)
    runner = environment.create_local_runner()
    runner.start(users, spawn_rate=users)
    deadline = time.monotonic() + SIGN_IN_SECONDS
    while _Plan.signed_in < users and time.monotonic() < deadline:
        gevent.sleep(0.05)
    started = time.perf_counter()
    _Plan.go.set()
    gevent.sleep(seconds)
    runner.quit()
    elapsed = time.perf_counter() - started
    for name in set(timings.times) - before:
        durations[name] = elapsed


def _one_page_classes() -> list[type[User]]:
    """A user class per page: that page as the only task of a user of its
    role (built on :class:`_Role`, since a subclass of the role's class
    would inherit all its tasks)."""
    classes = []
    for role in USER_CLASSES:
        for method in dict.fromkeys(role.tasks):
            name = f"{role.__name__}_{method.__name__}"  # type: ignore[union-attr]
            body = {"role": role.role, "tasks": [method]}
            classes.append(type(name, (_Role,), body))
    return classes


def load_run(plan: dict[str, Any]) -> dict[str, Any]:
    """Drive the server as ``plan`` says; the figures per request name."""
    _Plan.data = plan
    users, seconds = int(plan["users"]), float(plan["seconds"])
    timings = _Timings()
    durations: dict[str, float] = {}
    if plan["mode"] == "pages":
        for one_page in _one_page_classes():
            _run([one_page], users, seconds, timings, durations)
        mode = "each page alone"
    elif users >= len(USER_CLASSES):
        _fix_counts(users)
        _run(USER_CLASSES, users, seconds, timings, durations)
        mode = "roles at once, weighted"
    else:
        share = seconds / len(USER_CLASSES)
        for user_class in USER_CLASSES:
            _run([user_class], users, share, timings, durations)
        mode = "roles in turn"
    return {"mode": mode, "pages": timings.summary(durations)}


def main() -> None:
    plan = json.load(sys.stdin)
    json.dump(load_run(plan), sys.stdout)


if __name__ == "__main__":
    main()
