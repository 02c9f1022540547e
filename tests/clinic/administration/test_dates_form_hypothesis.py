"""Submissions drawn for the clinic admin's Dates page, about half of them a
format listed: a listed one is saved (and audited once, when it changes);
anything else comes back with the form's error and changes nothing.  Never a
server error."""

from __future__ import annotations

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from clinic.dates import DateLocale
from clinic.models import AuditAction, AuditEvent, Clinic
from tests.strategies import FIXTURES_RESET, rolled_back, signed_in

pytestmark = pytest.mark.django_db

HOSTILE = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["EN-GB", " en-gb", "en_gb", "en-gb\x00", "1", "<b>", "de-de"]),
)


@FIXTURES_RESET
@given(
    locale=st.one_of(st.sampled_from(DateLocale.values), HOSTILE),
    omitted=st.booleans(),
)
@rolled_back
def test_a_date_format_is_saved_as_chosen_or_refused_whole(
    clinic, admin, locale, omitted
):
    before = Clinic.objects.get(pk=clinic.pk).locale
    updates = AuditEvent.objects.filter(action=AuditAction.UPDATE).count()
    posted = {} if omitted else {"locale": locale}
    response = signed_in(admin)().post(reverse("clinic:date_format"), posted)
    after = Clinic.objects.get(pk=clinic.pk).locale
    written = AuditEvent.objects.filter(action=AuditAction.UPDATE).count() - updates
    if not omitted and locale in DateLocale.values:
        assert response.status_code == 302
        assert after == locale
        assert written == (1 if locale != before else 0)
    else:
        assert response.status_code == 200
        assert response.context["form"].errors
        assert after == before
        assert written == 0
