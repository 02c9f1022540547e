"""The supervision review from end to end: the real scan raises a red flag,
which reaches the therapist first; the therapist brings it to supervision,
so the supervisor finds it in the queue at once, reads why, discusses it in a
recorded session with an action item, and resolves it; the next scan does
not raise it again."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from attachment.engine.services import clinic_scan
from attachment.models import ActionItem, Flag, FlagStatus, SupervisionSession
from tests.attachment.engine.test_scan import contacts_at
from tests.attachment.supervision.test_views import an_item, session_post

pytestmark = pytest.mark.django_db


def test_a_red_flag_goes_from_the_scan_through_supervision_to_resolved(
    login, clinic, therapist, supervisor, client, policy
):
    now = timezone.now()
    contacts_at(
        client,
        [now - dt.timedelta(days=d, hours=3) for d in range(1, 8)],
        outside_agreement=True,
    )
    clinic_scan(clinic=clinic, now=now)
    flag = Flag.objects.get(client=client, kind="policy_pattern")
    assert flag.tier == "red" and flag.status == FlagStatus.OPEN

    page_url = reverse("attachment:flag_detail", args=[flag.pk])
    http = login(supervisor)
    assert page_url not in http.get(reverse("attachment:flag_queue")).content.decode()
    assert http.get(page_url).status_code == 404

    own = login(therapist)
    assert page_url in own.get(reverse("attachment:flag_queue")).content.decode()
    own.post(reverse("attachment:flag_to_supervision", args=[flag.pk]))

    http = login(supervisor)
    queue = http.get(reverse("attachment:flag_queue")).content.decode()
    assert page_url in queue
    page = http.get(page_url)
    assert flag.explanation in page.content.decode()

    form = http.get(reverse("attachment:supervision_session_new")).content.decode()
    ticked = re.search(rf'<input[^>]*name="flags"[^>]*value="{flag.pk}"[^>]*>', form)
    assert ticked and "checked" in ticked.group(0)

    saved = http.post(
        reverse("attachment:supervision_session_new"),
        session_post(therapist, an_item(therapist, client=client.pk), flags=[flag.pk]),
    )
    session = SupervisionSession.objects.get()
    assert saved["Location"] == session.get_absolute_url()
    assert list(session.flags_discussed.all()) == [flag]
    assert ActionItem.objects.get(session=session).owner == therapist

    http.post(
        reverse("attachment:flag_close", args=[flag.pk]),
        {
            "outcome": "resolved",
            "reason": "Texting for scheduling only, agreed.",
            "usefulness": "useful",
        },
    )
    flag.refresh_from_db()
    steps = list(flag.status_changes.values_list("to_status", "changed_by"))
    assert flag.status == FlagStatus.RESOLVED
    assert steps == [
        (FlagStatus.IN_SUPERVISION, therapist.pk),
        (FlagStatus.RESOLVED, supervisor.pk),
    ]

    clinic_scan(clinic=clinic, now=now + dt.timedelta(hours=1))
    assert Flag.objects.filter(client=client, kind="policy_pattern").count() == 1
    assert Flag.objects.get(pk=flag.pk).status == FlagStatus.RESOLVED
