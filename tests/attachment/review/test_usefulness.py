"""Closing a flag asks "was this useful in supervision?": without an answer
nothing is closed, and the answer stays in the flag's review history."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from attachment.models import Flag, FlagStatus, FlagStatusChange
from attachment.review import services as review
from tests.attachment.factories import FlagFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def flag(client):
    return FlagFactory(
        client=client, detected_at=timezone.now() - dt.timedelta(days=30)
    )


def _close(http, flag, **posted):
    data = {"outcome": "resolved", "reason": "Talked through in supervision."}
    return http.post(reverse("attachment:flag_close", args=[flag.pk]), data | posted)


def test_closing_without_an_answer_is_refused_and_nothing_saved(
    login, supervisor, flag
):
    response = _close(login(supervisor), flag)
    assert response.status_code == 200
    assert response.context["close_form"].errors["usefulness"]
    assert Flag.objects.get(pk=flag.pk).status == FlagStatus.OPEN
    assert not FlagStatusChange.objects.exists()


def test_the_service_refuses_a_closing_without_an_answer(supervisor, flag):
    with pytest.raises(ValidationError):
        review.flag_close(
            actor=supervisor,
            flag=flag,
            outcome="resolved",
            reason="Done.",
            usefulness="",
            now=timezone.now(),
        )
    assert Flag.objects.get(pk=flag.pk).status == FlagStatus.OPEN


@pytest.mark.parametrize(
    ("answer", "shown"),
    [("useful", "yes"), ("not_useful", "no"), ("not_sure", "not sure")],
)
def test_the_answer_is_kept_and_shown_in_the_history(
    login, supervisor, flag, answer, shown
):
    http = login(supervisor)
    assert _close(http, flag, usefulness=answer).status_code == 302
    assert FlagStatusChange.objects.get(flag=flag).usefulness == answer
    page = http.get(reverse("attachment:flag_detail", args=[flag.pk])).content.decode()
    assert f"Useful in supervision: {shown}" in page
