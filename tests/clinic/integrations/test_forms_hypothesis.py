"""Submissions of the new-integration form, valid and not: a valid one
creates exactly one integration and shows its token; any other creates
nothing.  Never a server error.  (The kinds that need more than a name and
scopes, an SMS webhook's auth token and a mailbox's settings, are drawn in
test_adapter_forms_hypothesis.py; here they are refused for the lack.)"""

from __future__ import annotations

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clinic.integrations.models import Integration, IntegrationKind, Scope

NEW = "/manage/integrations/new/"
NEEDS_MORE = (IntegrationKind.SMS_VOICE_WEBHOOK, IntegrationKind.MAILBOX)

names = st.one_of(st.text(max_size=100), st.sampled_from(["Phones", " ", ""]))
kinds = st.one_of(st.sampled_from(IntegrationKind.values), st.text(max_size=20))
scopes = st.lists(
    st.one_of(st.sampled_from(Scope.values), st.text(max_size=20)), max_size=3
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(name=names, kind=kinds, chosen=scopes)
def test_any_submission_is_saved_whole_or_refused(login, admin, name, kind, chosen):
    http = login(admin)
    with transaction.atomic():
        response = http.post(NEW, {"name": name, "kind": kind, "scopes": chosen})
        assert response.status_code == 200
        created = Integration.objects.count()
        valid = (
            "\x00" not in name
            and name.strip()
            and len(name) <= 80
            and kind in IntegrationKind.values
            and kind not in NEEDS_MORE
            and chosen
            and set(chosen) <= set(Scope.values)
        )
        assert created == (1 if valid else 0)
        assert ('id="token"' in response.content.decode()) == bool(valid)
        transaction.set_rollback(True)
