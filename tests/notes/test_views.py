"""The notes pages: wiring, messages, badges, the agenda, audit and query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from clinic.models import AuditAction, AuditEvent
from notes.models import Addendum, NoteStatus, Reflection, SessionNote
from tests.database_roles import as_database_owner
from tests.factories import ClientFactory
from tests.notes.factories import ReflectionFactory, SessionNoteFactory


def _note_post(**changes):
    data = {
        "format": "soap",
        "session_at": "2026-03-09T10:00",
        "duration_minutes": "50",
        "modality": "in_person",
        "attendance": "attended",
        "subjective": "S",
        "objective": "O",
        "assessment": "A",
        "plan": "P",
        "risk_level": "none",
    }
    data.update(changes)
    return data


def test_a_therapist_writes_and_signs_a_note_through_the_pages(
    login, client, therapist, password
):
    http = login(therapist)
    response = http.post(reverse("notes:note_create", args=[client.pk]), _note_post())
    note = SessionNote.objects.get()
    assert response.status_code == 302
    assert response["Location"] == note.get_absolute_url()
    assert note.session_at == dt.datetime(2026, 3, 9, 10, 0, tzinfo=dt.UTC)
    response = http.post(
        reverse("notes:note_sign", args=[note.pk]), {"password": password}
    )
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.status == NoteStatus.SIGNED


def test_the_session_time_is_read_in_the_clinics_time_zone(login, client, therapist):
    # 2026-07-01 10:00 in London is 09:00 UTC (summer time).
    login(therapist).post(
        reverse("notes:note_create", args=[client.pk]),
        _note_post(session_at="2026-07-01T10:00"),
    )
    assert SessionNote.objects.get().session_at == dt.datetime(
        2026, 7, 1, 9, 0, tzinfo=dt.UTC
    )


def test_the_form_shows_only_the_chosen_formats_sections(login, client, therapist):
    page = login(therapist).get(
        reverse("notes:note_create", args=[client.pk]) + "?format=birp"
    )
    html = page.content.decode()
    for name in ("behaviour", "intervention", "response", "plan"):
        assert f'name="{name}"' in html
    assert 'name="subjective"' not in html


def test_signing_with_a_wrong_password_says_so_and_changes_nothing(
    login, draft, therapist
):
    response = login(therapist).post(
        reverse("notes:note_sign", args=[draft.pk]), {"password": "wrong"}
    )
    assert response.status_code == 200
    assert "password is not correct" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == NoteStatus.DRAFT


def test_a_wrong_password_is_shown_beside_the_password_field(login, draft, therapist):
    response = login(therapist).post(
        reverse("notes:note_sign", args=[draft.pk]), {"password": "wrong"}
    )
    form = response.context["form"]
    assert form.errors == {
        "password": ["The password is not correct. Nothing was signed."]
    }


# Password re-entry: counted and locked out with sign-in failures ------------


def denied_events():
    return list(
        AuditEvent.objects.filter(action=AuditAction.DENIED).values_list(
            "actor_id", "object_type", "object_id", "client_id"
        )
    )


def test_five_wrong_passwords_lock_signing_and_each_is_audited_with_ids_only(
    login, draft, therapist, password
):
    http = login(therapist)
    url = reverse("notes:note_sign", args=[draft.pk])
    answers = [http.post(url, {"password": "wrong"}).status_code for _ in range(5)]

    locked = http.post(url, {"password": password})

    assert answers == [200, 200, 200, 200, 429]
    assert locked.status_code == 429
    assert b"Sign-in locked" in locked.content
    draft.refresh_from_db()
    assert draft.status == NoteStatus.DRAFT
    assert (
        denied_events()
        == [(therapist.pk, "notes.sessionnote", draft.pk, draft.client_id)] * 6
    )
    # Still signed in: the lock is on re-entering the password, not the session.
    assert http.get(draft.get_absolute_url()).status_code == 200


def test_a_wrong_co_signature_password_is_counted_and_audited(
    login, awaiting, supervisor
):
    response = login(supervisor).post(
        reverse("notes:note_cosign", args=[awaiting.pk]), {"password": "wrong"}
    )

    assert "password is not correct" in response.content.decode()
    assert AccessAttempt.objects.get().username == supervisor.email
    assert denied_events() == [
        (supervisor.pk, "notes.sessionnote", awaiting.pk, awaiting.client_id)
    ]


def test_an_addendums_text_stays_out_of_the_lockout_records(login, signed, therapist):
    response = login(therapist).post(
        reverse("notes:addendum_create", args=[signed.pk]),
        {"text": "Late entry about the weekend plans.", "password": "wrong"},
    )

    assert "password is not correct" in response.content.decode()
    assert not Addendum.objects.exists()
    attempt = AccessAttempt.objects.get()
    assert "weekend" not in attempt.post_data + attempt.get_data
    assert len(denied_events()) == 1


def test_the_right_password_after_a_few_wrong_ones_still_signs(
    login, draft, therapist, password
):
    http = login(therapist)
    url = reverse("notes:note_sign", args=[draft.pk])
    for _ in range(4):
        http.post(url, {"password": "wrong"})

    assert http.post(url, {"password": password}).status_code == 302

    draft.refresh_from_db()
    assert draft.status == NoteStatus.SIGNED
    assert not AccessAttempt.objects.exists()


def test_signing_a_draft_with_an_empty_section_says_so_above_the_form(
    login, client, therapist, password
):
    note = SessionNoteFactory(client=client, plan="")
    response = login(therapist).post(
        reverse("notes:note_sign", args=[note.pk]), {"password": password}
    )
    form = response.context["form"]
    assert form.non_field_errors() == [
        "Write every section before signing. Empty: Plan."
    ]
    assert form["password"].errors == []


def test_editing_a_reflection_brought_in_redirects_with_a_clear_message(
    login, client, therapist
):
    kept = ReflectionFactory(
        client=client, text="As it was.", brought_in=SessionNoteFactory(client=client)
    )
    http = login(therapist)
    response = http.post(
        reverse("notes:reflection_edit", args=[kept.pk]),
        {"text": "Changed.", "bring_to_next_session": "on"},
    )
    assert response.status_code == 302
    page = http.get(response["Location"])
    assert "brought into a session and is kept as it was" in page.content.decode()
    kept.refresh_from_db()
    assert kept.text == "As it was."


def test_editing_a_signed_note_redirects_with_a_clear_message(login, signed, therapist):
    http = login(therapist)
    response = http.post(
        reverse("notes:note_edit", args=[signed.pk]), _note_post(plan="Changed")
    )
    assert response.status_code == 302
    page = http.get(response["Location"])
    assert "signed and locked" in page.content.decode()
    signed.refresh_from_db()
    assert signed.plan == "Continue weekly."


def test_an_addendum_on_a_draft_is_refused_with_a_message(login, draft, therapist):
    http = login(therapist)
    response = http.post(
        reverse("notes:addendum_create", args=[draft.pk]),
        {"text": "late", "password": "x"},
    )
    assert response.status_code == 302
    assert (
        "Addenda go under a signed note"
        in http.get(response["Location"]).content.decode()
    )
    assert not Addendum.objects.exists()


def test_a_tampered_note_shows_a_visible_warning(login, signed, therapist):
    with as_database_owner("notes_sessionnote"):
        SessionNote.objects.filter(pk=signed.pk).update(plan="Tampered.")
    html = login(therapist).get(signed.get_absolute_url()).content.decode()
    assert "Integrity check failed" in html
    assert "Tampered." in html


def test_an_intact_note_says_it_matches_its_signature(login, signed, therapist):
    html = login(therapist).get(signed.get_absolute_url()).content.decode()
    assert "Content matches its signature (HMAC-SHA256" in html
    assert "Integrity check failed" not in html
    assert "Signed before keyed signatures" not in html


def test_a_note_signed_before_keyed_signatures_matches_and_says_so(
    login, legacy_signed, therapist
):
    html = login(therapist).get(legacy_signed.get_absolute_url()).content.decode()
    assert "Content matches its signature (SHA-256" in html
    assert html.count("Signed before keyed signatures") == 1
    assert "Integrity check failed" not in html


def test_an_addendum_signed_before_keyed_signatures_says_so(
    login, legacy_addendum, therapist, password
):
    note = legacy_addendum.note
    http = login(therapist)
    http.post(
        reverse("notes:addendum_create", args=[note.pk]),
        {"text": "A keyed entry.", "password": password},
    )
    html = http.get(note.get_absolute_url()).content.decode()
    assert Addendum.objects.filter(note=note).count() == 2
    # Once for the note and once for the older addendum, not the new one.
    assert html.count("Signed before keyed signatures") == 2
    assert "no longer matches its signature" not in html


def test_every_read_of_a_note_is_audited(login, signed, supervisor):
    login(supervisor).get(signed.get_absolute_url())
    assert AuditEvent.objects.filter(
        actor=supervisor,
        action="read",
        object_type="notes.sessionnote",
        object_id=signed.pk,
    ).exists()


def test_the_clinic_admin_never_reads_a_note(login, signed, admin):
    response = login(admin).get(signed.get_absolute_url())
    assert response.status_code == 403
    assert "Continue weekly." not in response.content.decode()


def test_the_client_page_lists_notes_with_status_badges(
    login, client, therapist, signed
):
    SessionNoteFactory(client=client, session_at=signed.session_at + dt.timedelta(7))
    html = login(therapist).get(client.get_absolute_url()).content.decode()
    assert "Session notes" in html
    assert "Draft" in html and "Signed" in html


def test_the_agenda_panel_shows_reflections_to_bring(login, client, therapist):
    ReflectionFactory(client=client, text="Revisit the grounding technique.")
    html = login(therapist).get(client.get_absolute_url()).content.decode()
    assert "Next-session agenda" in html
    assert "Revisit the grounding technique." in html


def test_ticking_an_agenda_item_in_the_note_form_brings_it_in(login, client, therapist):
    reflection = ReflectionFactory(client=client)
    http = login(therapist)
    form = http.get(reverse("notes:note_create", args=[client.pk])).content.decode()
    assert f'value="reflection:{reflection.pk}"' in form
    http.post(
        reverse("notes:note_create", args=[client.pk]),
        _note_post(discussed=[f"reflection:{reflection.pk}"]),
    )
    reflection.refresh_from_db()
    assert reflection.brought_in == SessionNote.objects.get()


def test_a_trainee_sees_the_return_comment_on_the_draft(
    login, awaiting, supervisor, therapist
):
    login(supervisor).post(
        reverse("notes:note_return", args=[awaiting.pk]),
        {"comment": "Please add the risk review."},
    )
    html = (
        login(therapist)
        .get(reverse("notes:note_edit", args=[awaiting.pk]))
        .content.decode()
    )
    assert "Returned for revision" in html
    assert "Please add the risk review." in html


def test_the_supervisor_cosigns_from_the_queue(login, awaiting, supervisor, password):
    http = login(supervisor)
    queue = http.get(reverse("notes:cosign_queue")).content.decode()
    assert reverse("notes:note_cosign", args=[awaiting.pk]) in queue
    home = http.get(reverse("clinic:home")).content.decode()
    assert "Awaiting your co-signature" in home
    response = http.post(
        reverse("notes:note_cosign", args=[awaiting.pk]), {"password": password}
    )
    assert response.status_code == 302
    awaiting.refresh_from_db()
    assert awaiting.status == NoteStatus.COSIGNED


def test_the_queue_shows_the_age_in_days(login, awaiting, supervisor, now):
    with as_database_owner("notes_sessionnote"):
        SessionNote.objects.filter(pk=awaiting.pk).update(
            signed_at=now - dt.timedelta(days=5)
        )
    html = login(supervisor).get(reverse("notes:cosign_queue")).content.decode()
    assert "5 days" in html


def test_the_nav_shows_the_cosign_queue_to_supervisors_only(
    login, supervisor, therapist
):
    assert "Co-sign queue" in login(supervisor).get("/").content.decode()
    assert "Co-sign queue" not in login(therapist).get("/").content.decode()


@pytest.mark.parametrize("count", [3, 12])
def test_the_client_notes_page_has_a_fixed_number_of_queries(
    login, client, therapist, django_assert_max_num_queries, count
):
    for index in range(count):
        SessionNoteFactory(
            client=client,
            session_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(index),
        )
    http = login(therapist)
    with django_assert_max_num_queries(16):  # navigation included
        response = http.get(reverse("notes:client_notes", args=[client.pk]))
    assert response.content.decode().count("/notes/") >= count


@pytest.mark.parametrize("count", [2, 10])
def test_the_cosign_queue_has_a_fixed_number_of_queries(
    login,
    supervisor,
    therapist,
    clinic,
    trainee_link,
    django_assert_max_num_queries,
    count,
):
    for index in range(count):
        SessionNoteFactory(
            client=ClientFactory(clinic=clinic, therapist=therapist),
            status=NoteStatus.AWAITING_COSIGN,
            signed_at=dt.datetime(2026, 3, 3, tzinfo=dt.UTC),
            signed_by=therapist,
            content_sha256=f"{index:064x}",
        )
    http = login(supervisor)
    with django_assert_max_num_queries(16):  # navigation included
        response = http.get(reverse("notes:cosign_queue"))
    assert response.content.decode().count("Review</a>") == count


def _queries_for(http, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert http.get(url).status_code == 200
    # pghistory sometimes sends its context as a query of its own; not ours.
    return sum(
        not query["sql"].startswith("SELECT set_config(")
        for query in captured.captured_queries
    )


def _notes_with_reflections(client, therapist, count, start=0):
    for index in range(start, start + count):
        note = SessionNoteFactory(
            client=client,
            session_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(index),
        )
        Reflection.objects.create(
            client=client,
            author=therapist,
            written_at=note.session_at,
            text=f"Reflection {index}",
            bring_to_next_session=True,
            brought_in=note,
        )
        ReflectionFactory(client=client, text=f"Open reflection {index}")


def test_the_client_page_panels_do_not_grow_with_the_number_of_notes(
    login, client, therapist
):
    http = login(therapist)
    _notes_with_reflections(client, therapist, 1)
    few = _queries_for(http, client.get_absolute_url())
    _notes_with_reflections(client, therapist, 12, start=1)
    many = _queries_for(http, client.get_absolute_url())
    assert many == few


@pytest.mark.parametrize("count", [1, 8])
def test_the_process_note_list_has_a_fixed_number_of_queries(
    login, client, therapist, django_assert_max_num_queries, count
):
    from tests.notes.factories import ProcessNoteFactory

    for _ in range(count):
        ProcessNoteFactory(client=client)
    http = login(therapist)
    with django_assert_max_num_queries(16):  # navigation included
        response = http.get(reverse("notes:process_notes", args=[client.pk]))
    assert response.content.decode().count("/notes/process-notes/") == count
