"""The queries one request of each benchmarked page makes.

Run as ``python -m attachment.benchmarks.web_queries`` with the web
benchmark's plan on stdin, in the server's environment (so that follow-up
work is queued as the server queues it, not run in the request); it prints
a JSON object of page name to queries on stdout.  Each page is requested
once to warm up and once under ``CaptureQueriesContext``, in-process through
Django's test client, signed in as the role that opens it.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any


def queries_count(plan: dict[str, Any]) -> dict[str, int | str]:
    from django.db import connection
    from django.test import Client as HttpClient
    from django.test.utils import CaptureQueriesContext

    from clinic.models import User

    counts: dict[str, int | str] = {}
    for name, role, path, method in PAGES:
        person = plan["people"][role][0]
        http = HttpClient(HTTP_HOST="127.0.0.1")
        if role != "anonymous":
            http.force_login(User.objects.get(email=person["email"]))
        url = SIGN_IN if path is None else person["paths"][path]
        expected = 302 if method == "post" else 200
        for attempt in ("warm", "counted"):
            with CaptureQueriesContext(connection) as queries:
                if method == "post":
                    response = http.post(url, _contact(), secure=True)
                else:
                    response = http.get(url, secure=True)
            if attempt == "counted":
                counts[name] = (
                    len(queries)
                    if response.status_code == expected
                    else f"answered {response.status_code}"
                )
    return counts


def _contact() -> dict[str, str]:
    return {
        "occurred_at": time.strftime("%Y-%m-%dT%H:%M", time.gmtime()),
        "channel": "text",
        "direction": "from_client",
        "purpose": "",
    }


SIGN_IN = "/accounts/login/"
# (name as in web_load, role, key of the path in the plan, method)
PAGES: list[tuple[str, str, str | None, str]] = [
    ("sign-in page (anonymous)", "anonymous", None, "get"),
    ("caseload (therapist)", "therapist", "caseload", "get"),
    ("client page", "therapist", "client", "get"),
    ("timeline, first page", "therapist", "timeline", "get"),
    ("timeline, deep page", "therapist", "timeline_deep", "get"),
    ("log a contact (POST)", "therapist", "contact_new", "post"),
    ("flag queue (therapist)", "therapist", "flag_queue", "get"),
    ("flag page (therapist)", "therapist", "flag", "get"),
    ("flag queue (supervisor)", "supervisor", "flag_queue", "get"),
    ("flag page (supervisor)", "supervisor", "flag", "get"),
    ("supervisor overview", "supervisor", "overview", "get"),
    ("clinic overview (admin)", "admin", "clinic_overview", "get"),
]


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
    import django

    django.setup()
    json.dump(queries_count(json.load(sys.stdin)), sys.stdout)


if __name__ == "__main__":
    main()
