"""Arbitrary input into the absence and supervision forms: never a server
error, and whatever the page refuses leaves nothing saved."""

from __future__ import annotations

from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clinic.models import Absence, Supervision

TEXT = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60),
    st.sampled_from(["", " ", "\x00", "<script>alert(1)</script>", "ü" * 300, "-1"]),
)
DAY = st.one_of(
    TEXT,
    st.dates().map(lambda day: day.isoformat()),
    st.sampled_from(["0001-01-01", "9999-12-31", "2026-02-30", "2026-03-29"]),
)
SLOW = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def _person(people):
    """A person's id from the cast, or garbage."""
    return st.one_of(st.sampled_from(people).map(lambda user: str(user.pk)), TEXT)


def _state():
    return (
        list(Absence.objects.values_list("pk", "starts_on", "ends_on")),
        list(Supervision.objects.values_list("pk", "ended_on", "cosign_required")),
    )


@SLOW
@given(data=st.data())
def test_the_absence_form_never_fails(
    login, admin, therapist, other_therapist, outsider, data
):
    people = [therapist, other_therapist, outsider, admin]
    before = _state()
    response = login(admin).post(
        reverse("clinic:absence_new"),
        {
            "therapist": data.draw(_person(people)),
            "starts_on": data.draw(DAY),
            "ends_on": data.draw(DAY),
            "covering_therapist": data.draw(_person(people)),
            "note": data.draw(TEXT),
        },
    )
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert _state() == before
    else:
        absence = Absence.objects.latest("pk")
        assert absence.covering_therapist_id != absence.therapist_id
        assert absence.ends_on >= absence.starts_on
        absence.delete()


@SLOW
@given(data=st.data())
def test_the_supervision_forms_never_fail(
    login, admin, supervisor, unrelated_supervisor, therapist, outsider, data
):
    people = [supervisor, unrelated_supervisor, therapist, outsider, admin]
    http = login(admin)
    before = _state()
    response = http.post(
        reverse("clinic:supervision_new"),
        {
            "supervisor": data.draw(_person(people)),
            "supervisee": data.draw(_person(people)),
            "started_on": data.draw(DAY),
            "cosign_required": data.draw(TEXT),
        },
    )
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert _state() == before
    else:
        Supervision.objects.latest("pk").delete()
    link = Supervision.objects.get(supervisor=supervisor)
    response = http.post(
        reverse("clinic:supervision_end", args=[link.pk]), {"ended_on": data.draw(DAY)}
    )
    assert response.status_code in (200, 302)
    link.refresh_from_db()
    if response.status_code == 200:
        assert link.ended_on is None
    else:
        assert link.ended_on >= link.started_on
        Supervision.objects.filter(pk=link.pk).update(ended_on=None)
