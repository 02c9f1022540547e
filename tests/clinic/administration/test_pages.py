"""The clinic admin's Administration pages: absences with cover,
supervision links and co-signature; refusals leave nothing saved; every
change is audited and kept in history."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from attachment.models import ContactAgreement
from clinic.administration import services as admin_services
from clinic.models import Absence, AuditEvent, Role, Supervision
from tests.factories import (
    AbsenceFactory,
    ClientFactory,
    MembershipFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 18, 12, 0, tzinfo=dt.UTC)


def _absence(http, **fields):
    return http.post(reverse("clinic:absence_new"), fields)


def test_the_administration_pages_share_a_sub_navigation(login, admin):
    page = login(admin).get(reverse("clinic:absence_list")).content.decode()
    for name in (
        "clinic:manage_clients",
        "clinic:policy_default",
        "clinic:agreement_status",
        "clinic:supervision_list",
        "attachment:detector_settings",
    ):
        assert f'href="{reverse(name)}"' in page
    assert 'aria-current="page" href="/manage/absences/"' in page


def test_an_admin_adds_an_absence_with_cover(login, admin, therapist, other_therapist):
    response = _absence(
        login(admin),
        therapist=therapist.pk,
        starts_on="2099-08-03",
        ends_on="2099-08-14",
        covering_therapist=other_therapist.pk,
        note="Annual leave",
    )
    assert response.status_code == 302
    absence = Absence.objects.get()
    assert absence.covering_therapist == other_therapist
    assert AuditEvent.objects.filter(
        object_type="clinic.absence", action="create", actor=admin
    ).exists()
    assert absence.events.count() == 1


def test_a_cover_who_is_the_absent_therapist_is_refused(login, admin, therapist):
    response = _absence(
        login(admin),
        therapist=therapist.pk,
        starts_on="2099-08-03",
        ends_on="2099-08-14",
        covering_therapist=therapist.pk,
    )
    assert response.status_code == 200
    assert "cannot be the absent therapist" in response.content.decode()
    assert not Absence.objects.exists()


def test_an_absence_ending_before_it_starts_is_refused(login, admin, therapist):
    response = _absence(
        login(admin),
        therapist=therapist.pk,
        starts_on="2099-08-14",
        ends_on="2099-08-03",
    )
    assert "cannot end before it starts" in response.content.decode()
    assert not Absence.objects.exists()


def test_an_overlapping_absence_of_the_same_therapist_is_refused(
    login, admin, therapist, clinic
):
    AbsenceFactory(
        clinic=clinic,
        therapist=therapist,
        starts_on=dt.date(2099, 8, 10),
        ends_on=dt.date(2099, 8, 20),
    )
    response = _absence(
        login(admin),
        therapist=therapist.pk,
        starts_on="2099-08-03",
        ends_on="2099-08-10",
    )
    assert "already has an absence overlapping" in response.content.decode()
    assert Absence.objects.count() == 1


def test_a_cover_from_another_clinic_is_refused(admin, clinic, therapist, outsider):
    with pytest.raises(ValidationError) as refusal:
        admin_services.absence_save(
            actor=admin,
            clinic=clinic,
            therapist=therapist,
            starts_on=dt.date(2099, 8, 3),
            ends_on=dt.date(2099, 8, 4),
            covering_therapist=outsider,
            now=NOW,
        )
    assert "covering_therapist" in refusal.value.message_dict
    assert not Absence.objects.exists()


def test_editing_an_absence_keeps_it_from_overlapping_itself(
    login, admin, therapist, clinic, other_therapist
):
    absence = AbsenceFactory(
        clinic=clinic,
        therapist=therapist,
        starts_on=dt.date(2099, 8, 10),
        ends_on=dt.date(2099, 8, 20),
    )
    response = login(admin).post(
        reverse("clinic:absence_edit", args=[absence.pk]),
        {
            "starts_on": "2099-08-12",
            "ends_on": "2099-08-22",
            "covering_therapist": other_therapist.pk,
        },
    )
    assert response.status_code == 302
    absence.refresh_from_db()
    assert (absence.starts_on, absence.covering_therapist) == (
        dt.date(2099, 8, 12),
        other_therapist,
    )


def test_only_an_absence_that_has_not_begun_can_be_deleted(
    login, admin, therapist, clinic
):
    begun = AbsenceFactory(
        clinic=clinic,
        therapist=therapist,
        starts_on=dt.date(2026, 1, 5),
        ends_on=dt.date(2026, 1, 9),
    )
    future = AbsenceFactory(
        clinic=clinic,
        therapist=therapist,
        starts_on=dt.date(2099, 1, 5),
        ends_on=dt.date(2099, 1, 9),
    )
    http = login(admin)
    http.post(reverse("clinic:absence_delete", args=[begun.pk]))
    http.post(reverse("clinic:absence_delete", args=[future.pk]))
    assert list(Absence.objects.all()) == [begun]
    assert AuditEvent.objects.filter(
        object_type="clinic.absence", action="delete", object_id=future.pk
    ).exists()


def test_another_clinics_absence_is_not_found(login, outsider, therapist, clinic):
    absence = AbsenceFactory(clinic=clinic, therapist=therapist)
    response = login(outsider).get(reverse("clinic:absence_edit", args=[absence.pk]))
    assert response.status_code == 404


def _link(http, **fields):
    return http.post(reverse("clinic:supervision_new"), fields)


def test_an_admin_links_a_supervisor_to_a_therapist(
    login, admin, unrelated_supervisor, therapist
):
    response = _link(
        login(admin),
        supervisor=unrelated_supervisor.pk,
        supervisee=therapist.pk,
        started_on="2026-03-01",
        cosign_required="on",
    )
    assert response.status_code == 302
    link = Supervision.objects.get(
        supervisor=unrelated_supervisor, supervisee=therapist
    )
    assert link.cosign_required
    assert AuditEvent.objects.filter(object_type="clinic.supervision").exists()


def test_a_second_open_link_of_the_same_pair_is_refused(
    login, admin, supervisor, therapist
):
    response = _link(
        login(admin),
        supervisor=supervisor.pk,
        supervisee=therapist.pk,
        started_on="2026-03-01",
    )
    assert "already have a link" in response.content.decode()
    assert Supervision.objects.filter(supervisor=supervisor).count() == 1


def test_the_supervisor_must_hold_the_supervisor_role(
    login, admin, other_therapist, therapist
):
    response = _link(
        login(admin),
        supervisor=other_therapist.pk,
        supervisee=therapist.pk,
        started_on="2026-03-01",
    )
    assert response.status_code == 200
    assert not Supervision.objects.filter(supervisor=other_therapist).exists()


def test_nobody_supervises_themselves(admin, clinic, supervisor):
    with pytest.raises(ValidationError):
        admin_services.supervision_link_create(
            actor=admin,
            clinic=clinic,
            supervisor=supervisor,
            supervisee=supervisor,
            started_on=dt.date(2026, 3, 1),
            now=NOW,
        )


def test_ending_a_link_closes_the_supervisees_clients_to_the_supervisor(
    login, admin, supervisor, client
):
    link = Supervision.objects.get(supervisor=supervisor)
    response = login(admin).post(
        reverse("clinic:supervision_end", args=[link.pk]), {"ended_on": "2026-02-01"}
    )
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.ended_on == dt.date(2026, 2, 1)
    assert not link.is_current(dt.date(2026, 3, 1))


def test_a_link_cannot_end_before_it_started(login, admin, supervisor):
    link = Supervision.objects.get(supervisor=supervisor)
    response = login(admin).post(
        reverse("clinic:supervision_end", args=[link.pk]), {"ended_on": "2020-01-01"}
    )
    assert "cannot end before it started" in response.content.decode()
    link.refresh_from_db()
    assert link.ended_on is None


def test_co_signature_is_switched_on_and_off(login, admin, supervisor):
    link = Supervision.objects.get(supervisor=supervisor)
    url = reverse("clinic:supervision_cosign", args=[link.pk])
    http = login(admin)
    http.post(url, {"required": "on"})
    link.refresh_from_db()
    assert link.cosign_required
    http.post(url, {})
    link.refresh_from_db()
    assert not link.cosign_required
    assert link.events.count() == 3


def test_a_supervisor_of_another_clinic_cannot_be_linked(admin, clinic, therapist):
    elsewhere = UserFactory()
    MembershipFactory(user=elsewhere, role=Role.SUPERVISOR)
    with pytest.raises(ValidationError):
        admin_services.supervision_link_create(
            actor=admin,
            clinic=clinic,
            supervisor=elsewhere,
            supervisee=therapist,
            started_on=dt.date(2026, 3, 1),
            now=NOW,
        )


def test_the_pages_show_no_clinical_text(login, admin, client, clinic):
    ClientFactory(clinic=clinic, therapist=client.therapist)
    for name in ("clinic:absence_list", "clinic:supervision_list"):
        page = login(admin).get(reverse(name)).content.decode()
        assert client.code not in page
        assert client.preferred_name not in page


def test_the_agreements_page_reads_the_status_the_attachment_app_registers(
    login, admin, client, therapist
):
    """The registration in ``AttachmentConfig.ready`` reaches the page."""
    ContactAgreement.objects.create(
        client=client,
        version=1,
        effective_from=NOW,
        written_at=NOW,
        author=therapist,
        allowed_channels=["text"],
    )
    page = login(admin).get(reverse("clinic:agreement_status")).content.decode()
    assert "version 1" in page
    assert "no agreement yet" not in page
