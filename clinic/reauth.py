"""Password re-entry by a signed-in person (before a signature, a co-signature,
an addendum): counted, locked out and audited as a sign-in is.

A bare ``check_password`` would let someone holding an unattended session
guess the password at leisure, unseen.  :func:`password_confirmed` asks the
authentication backends instead, so django-axes counts a failure against the
same username + IP pair as a failed sign-in and refuses while that pair is
locked; the services that sign keep their own check as a second line.
"""

from __future__ import annotations

from axes.utils import reset as axes_reset
from django.contrib.auth import authenticate
from django.db import models
from django.http import QueryDict
from django.utils import timezone

from clinic.access import AuthenticatedHttpRequest
from clinic.adapters import axes_username
from clinic.audit import audit_record
from clinic.client_ip import client_ip
from clinic.models import AuditAction


def password_confirmed(
    request: AuthenticatedHttpRequest, password: str, *, obj: models.Model | None = None
) -> bool:
    """Whether ``password`` is the signed-in person's, and their username + IP
    pair is not locked out.

    A failure is audited as ``denied`` on ``obj`` (the record about to be
    signed; the person's account when none is given), ids only.  A success
    clears the pair's failure count, as a successful sign-in does, so that
    only failures in a row lock.
    """
    user = request.user
    login = user.get_username()
    posted = request.POST
    # axes keeps the failing request's form fields with the attempt; an
    # addendum's text must not go there with them.
    request.POST = QueryDict()
    try:
        confirmed = authenticate(request, username=login, password=password)
    finally:
        request.POST = posted
    if confirmed is not None and confirmed.pk == user.pk:
        ip = client_ip(request)
        if ip:
            axes_reset(ip=ip, username=axes_username(request, {"username": login}))
        return True
    audit_record(
        actor=user,
        action=AuditAction.DENIED,
        at=timezone.now(),
        obj=obj if obj is not None else user,
        request=request,
    )
    return False
