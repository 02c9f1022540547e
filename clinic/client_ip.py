"""The client's address, the one rule for everything that records or counts it.

Behind a reverse proxy ``REMOTE_ADDR`` is the proxy's address for everybody,
so a lockout keyed on it would lock a person out from every network at once.
Each trusted proxy appends the address it received the connection from to
``X-Forwarded-For``; with ``TRUSTED_PROXY_COUNT`` such proxies in front of the
app, the entry that many places from the right was written by the outermost
one, and everything to its left was sent by the client, who can write
anything there.  django-axes (``AXES_CLIENT_IP_CALLABLE``) and the audit log
both use :func:`client_ip`, so a lockout and the audit agree on who it was.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The address ``TRUSTED_PROXY_COUNT`` hops from the right of
    ``X-Forwarded-For``, or ``REMOTE_ADDR`` when no proxy is trusted, the
    header is shorter than that, or the entry there is not an address."""
    remote = request.META.get("REMOTE_ADDR") or ""
    hops = settings.TRUSTED_PROXY_COUNT
    if hops <= 0:
        return remote
    forwarded = [
        entry.strip()
        for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if entry.strip()
    ]
    if len(forwarded) < hops:
        return remote
    try:
        return str(ipaddress.ip_address(forwarded[-hops]))
    except ValueError:
        return remote
