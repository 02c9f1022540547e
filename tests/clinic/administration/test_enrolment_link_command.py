"""The operator's one way to let a clinic's first admin enrol."""

from __future__ import annotations

import io

import pytest
from allauth.mfa.models import Authenticator
from django.core.management import CommandError, call_command

from clinic.models import AuditAction, AuditEvent, EnrolmentLink
from tests.factories import UserFactory


def issue(*args: str) -> str:
    out = io.StringIO()
    call_command("enrolment_link", *args, stdout=out)
    return out.getvalue()


def test_a_member_gets_a_link_that_opens_enrolment(clinic, admin, http, mfa_required):
    out = issue("--clinic", clinic.slug, "--email", admin.email.upper())
    url = out.strip().splitlines()[-1]
    assert "/welcome/" in url
    link = EnrolmentLink.objects.get(user=admin)
    assert link.created_by is None
    assert AuditEvent.objects.filter(
        action=AuditAction.CREATE, object_id=link.pk, actor=None
    ).exists()
    token = url.rsplit("/welcome/", 1)[1].strip("/")
    assert token not in link.token_sha256  # only the digest is stored
    assert http.get("/welcome/" + token + "/").status_code in (200, 302)


def test_only_members_without_an_authenticator_get_one(clinic, other_clinic, admin):
    outsider = UserFactory(email="someone@example.test")
    with pytest.raises(CommandError, match="not a member"):
        issue("--clinic", clinic.slug, "--email", outsider.email)
    with pytest.raises(CommandError, match="not a member"):
        issue("--clinic", other_clinic.slug, "--email", admin.email)
    Authenticator.objects.create(user=admin, type=Authenticator.Type.TOTP, data={})
    with pytest.raises(CommandError, match="has an authenticator"):
        issue("--clinic", clinic.slug, "--email", admin.email)
    with pytest.raises(CommandError, match="No clinic"):
        issue("--clinic", "nowhere", "--email", admin.email)
    assert not EnrolmentLink.objects.exists()
