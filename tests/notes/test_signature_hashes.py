"""Signature digests: keyed (HMAC-SHA256) for every new signature, plain
SHA-256 for the ones signed before, each row naming its scheme.

The database's owner can lift the guards and rewrite a signed note, and can
compute a plain SHA-256 of anything; only a digest under the key, which the
database never holds, tells the rewrite apart.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest
from django.db import ProgrammingError, transaction
from hypothesis import given
from hypothesis import strategies as st

from notes import selectors, services
from notes.models import (
    FORMAT_SECTIONS,
    Addendum,
    Attendance,
    Modality,
    NoteFormat,
    NoteStatus,
    SessionNote,
    UnkeyedDigestRoll,
)
from notes.signature_hashes import (
    DigestScheme,
    addendum_digest,
    addendum_digest_matches,
    note_digest,
    note_digest_matches,
    unkeyed_ids,
)
from tests.database_roles import as_database_owner

OTHER_KEY = "another-signature-key-0123456789abcdef"


def _plain_sha256_of(record: SessionNote | Addendum, **digest_args: str) -> str:
    """What anyone can compute without the key: the unkeyed digest."""
    unkeyed = copy.copy(record)
    unkeyed.digest_scheme = DigestScheme.SHA256
    if isinstance(unkeyed, Addendum):
        return addendum_digest(unkeyed, **digest_args)
    return note_digest(unkeyed)


# --- new signatures are keyed -------------------------------------------------


def test_a_new_signature_is_an_hmac_not_a_plain_sha256(signed):
    fresh = SessionNote.objects.get(pk=signed.pk)
    assert fresh.digest_scheme == DigestScheme.HMAC_SHA256
    assert fresh.content_sha256 == note_digest(fresh)
    assert fresh.content_sha256 != _plain_sha256_of(fresh)
    assert selectors.note_hash_matches(fresh) is True


def test_a_signature_changes_with_the_key(signed, settings):
    fresh = SessionNote.objects.get(pk=signed.pk)
    settings.SIGNATURE_HMAC_KEY = OTHER_KEY
    assert note_digest(fresh) != fresh.content_sha256
    assert selectors.note_hash_matches(fresh) is False


def test_a_new_addendum_is_an_hmac_chained_to_the_note(
    signed, therapist, password, now, settings
):
    addendum = services.addendum_add(
        actor=therapist, note=signed, text="Late entry.", password=password, now=now
    )
    kept = Addendum.objects.get(pk=addendum.pk)
    chain = {"note_sha256": signed.content_sha256}
    assert kept.digest_scheme == DigestScheme.HMAC_SHA256
    assert addendum_digest_matches(kept, **chain)
    assert kept.content_sha256 != _plain_sha256_of(kept, **chain)
    settings.SIGNATURE_HMAC_KEY = OTHER_KEY
    assert not addendum_digest_matches(kept, **chain)


# --- the database's owner rewrites a signed record ----------------------------


def test_a_rewrite_with_a_recomputed_plain_sha256_is_caught(signed):
    rewritten = SessionNote.objects.get(pk=signed.pk)
    rewritten.plan = "Rewritten in the database."
    with as_database_owner("notes_sessionnote"):
        SessionNote.objects.filter(pk=signed.pk).update(
            plan=rewritten.plan, content_sha256=_plain_sha256_of(rewritten)
        )
    fresh = SessionNote.objects.get(pk=signed.pk)
    assert fresh.plan == "Rewritten in the database."
    assert selectors.note_integrity(fresh, []).note_ok is False


def test_a_rewritten_addendum_with_a_recomputed_plain_sha256_is_caught(
    signed, therapist, password, now
):
    addendum = services.addendum_add(
        actor=therapist, note=signed, text="Late entry.", password=password, now=now
    )
    rewritten = Addendum.objects.get(pk=addendum.pk)
    rewritten.text = "Rewritten in the database."
    plain = _plain_sha256_of(rewritten, note_sha256=signed.content_sha256)
    with as_database_owner("notes_addendum"):
        Addendum.objects.filter(pk=addendum.pk).update(
            text=rewritten.text, content_sha256=plain
        )
    integrity = selectors.note_integrity(signed, list(signed.addenda.all()))
    assert integrity.bad_addendum_ids == {addendum.pk}


def test_the_application_role_cannot_relabel_a_signatures_scheme(signed):
    with pytest.raises(ProgrammingError), transaction.atomic():
        SessionNote.objects.filter(pk=signed.pk).update(
            digest_scheme=DigestScheme.SHA256
        )


# --- signatures from before keyed signatures ----------------------------------


def test_a_legacy_note_still_verifies_and_is_named_unkeyed(legacy_signed):
    fresh = SessionNote.objects.get(pk=legacy_signed.pk)
    integrity = selectors.note_integrity(fresh, [])
    assert (integrity.note_ok, integrity.note_unkeyed) == (True, True)


def test_a_legacy_note_whose_content_changed_fails(legacy_signed):
    with as_database_owner("notes_sessionnote"):
        SessionNote.objects.filter(pk=legacy_signed.pk).update(plan="Changed.")
    fresh = SessionNote.objects.get(pk=legacy_signed.pk)
    assert selectors.note_integrity(fresh, []).note_ok is False


def test_a_keyed_note_is_not_named_unkeyed(signed):
    assert not selectors.note_integrity(signed, []).note_unkeyed


def test_a_legacy_addendum_still_verifies_and_is_named_unkeyed(
    legacy_signed, legacy_addendum
):
    integrity = selectors.note_integrity(legacy_signed, [legacy_addendum])
    assert integrity.ok
    assert integrity.unkeyed_addendum_ids == {legacy_addendum.pk}


def test_a_new_addendum_under_a_legacy_note_is_keyed_and_chained_to_it(
    legacy_signed, therapist, password, now
):
    addendum = services.addendum_add(
        actor=therapist,
        note=legacy_signed,
        text="Late entry.",
        password=password,
        now=now,
    )
    integrity = selectors.note_integrity(legacy_signed, [addendum])
    assert addendum.digest_scheme == DigestScheme.HMAC_SHA256
    assert integrity.ok and not integrity.unkeyed_addendum_ids
    assert not addendum_digest_matches(addendum, note_sha256="0" * 64)


def test_a_legacy_note_returned_for_revision_is_signed_again_with_the_key(
    trainee_link, legacy_signed, supervisor, therapist, password, now
):
    with as_database_owner("notes_sessionnote"):
        SessionNote.objects.filter(pk=legacy_signed.pk).update(
            status=NoteStatus.AWAITING_COSIGN
        )
    services.note_return(
        actor=supervisor, note=legacy_signed, comment="Add the plan.", now=now
    )
    returned = SessionNote.objects.get(pk=legacy_signed.pk)
    assert (returned.status, returned.content_sha256, returned.digest_scheme) == (
        NoteStatus.DRAFT,
        "",
        DigestScheme.HMAC_SHA256,
    )
    resigned = services.note_sign(
        actor=therapist, note=returned, password=password, now=now
    )
    assert resigned.digest_scheme == DigestScheme.HMAC_SHA256
    assert selectors.note_hash_matches(resigned) is True


def test_a_keyed_note_relabelled_unkeyed_with_a_plain_sha256_fails(signed):
    """The owner lifts the guards, relabels a keyed note as signed before
    keyed signatures and recomputes its plain SHA-256: it is on no roll."""
    relabelled = SessionNote.objects.get(pk=signed.pk)
    relabelled.plan = "Rewritten in the database."
    relabelled.digest_scheme = DigestScheme.SHA256
    with as_database_owner("notes_sessionnote"):
        SessionNote.objects.filter(pk=signed.pk).update(
            plan=relabelled.plan,
            digest_scheme=DigestScheme.SHA256,
            content_sha256=note_digest(relabelled),
        )
    fresh = SessionNote.objects.get(pk=signed.pk)
    assert selectors.note_integrity(fresh, []).note_ok is False


def test_a_roll_without_the_keys_mac_lists_nobody(signed):
    relabelled = SessionNote.objects.get(pk=signed.pk)
    relabelled.digest_scheme = DigestScheme.SHA256
    with as_database_owner("notes_sessionnote"):
        SessionNote.objects.filter(pk=signed.pk).update(
            digest_scheme=DigestScheme.SHA256,
            content_sha256=note_digest(relabelled),
        )
    UnkeyedDigestRoll.objects.create(kind="note", ids=[signed.pk], mac="0" * 64)
    assert unkeyed_ids("note") == frozenset()
    fresh = SessionNote.objects.get(pk=signed.pk)
    assert selectors.note_hash_matches(fresh) is False


def test_the_rolls_are_append_only(legacy_signed):
    roll = UnkeyedDigestRoll.objects.get(ids__contains=[legacy_signed.pk])
    with pytest.raises(ProgrammingError), transaction.atomic():
        UnkeyedDigestRoll.objects.filter(pk=roll.pk).update(ids=[1, 2, 3])
    with pytest.raises(ProgrammingError), transaction.atomic():
        UnkeyedDigestRoll.objects.filter(pk=roll.pk).delete()


def test_the_migration_rolls_every_unkeyed_row_under_the_key(signed):
    import importlib

    from django.apps import apps
    from django.db import connection

    # A note as migration 0004 left every older one: unkeyed, on no roll yet.
    older = SessionNote.objects.get(pk=signed.pk)
    older.digest_scheme = DigestScheme.SHA256
    with as_database_owner("notes_sessionnote"):
        SessionNote.objects.filter(pk=signed.pk).update(
            digest_scheme=DigestScheme.SHA256, content_sha256=note_digest(older)
        )
    assert selectors.note_hash_matches(older) is False
    migration = importlib.import_module("notes.migrations.0005_unkeyed_digest_rolls")
    with as_database_owner():
        migration.roll_the_unkeyed(apps, connection.schema_editor())
    assert signed.pk in unkeyed_ids("note")
    assert selectors.note_hash_matches(SessionNote.objects.get(pk=signed.pk)) is True


def test_an_unknown_scheme_never_verifies(signed):
    fresh = SessionNote.objects.get(pk=signed.pk)
    fresh.digest_scheme = "md5"
    assert note_digest_matches(fresh) is False


# --- any content: sign, verify, and change one thing --------------------------

SCHEMES = st.sampled_from(DigestScheme.values)
INSTANTS = st.datetimes(
    min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 1, 1)
).map(lambda value: value.replace(tzinfo=dt.UTC))
IDS = st.integers(min_value=1, max_value=2**31 - 1)


@st.composite
def signed_notes(draw: st.DrawFn) -> SessionNote:
    note_format = draw(st.sampled_from(NoteFormat.values))
    note = SessionNote(
        id=draw(IDS),
        client_id=draw(IDS),
        author_id=draw(IDS),
        session_at=draw(INSTANTS),
        duration_minutes=draw(st.integers(min_value=1, max_value=600)),
        modality=draw(st.sampled_from(Modality.values)),
        attendance=draw(st.sampled_from(Attendance.values)),
        format=note_format,
        signed_by_id=draw(IDS),
        signed_at=draw(INSTANTS),
        digest_scheme=draw(SCHEMES),
        **{name: draw(st.text(min_size=1)) for name in FORMAT_SECTIONS[note_format]},
    )
    note.content_sha256 = note_digest(note)
    return note


def _another(data: st.DataObject, strategy: st.SearchStrategy, old: Any) -> Any:
    return data.draw(strategy.filter(lambda value: value != old))


HEXES = st.text(alphabet="0123456789abcdef", min_size=64, max_size=64)
NOTE_FIELDS: dict[str, st.SearchStrategy] = {
    "client_id": IDS,
    "author_id": IDS,
    "session_at": INSTANTS,
    "duration_minutes": st.integers(min_value=1, max_value=600),
    "modality": st.sampled_from(Modality.values),
    "attendance": st.sampled_from(Attendance.values),
    "format": st.sampled_from(NoteFormat.values),
    "signed_by_id": IDS,
    "signed_at": INSTANTS,
    "digest_scheme": SCHEMES,
    "content_sha256": HEXES,
}


@given(note=signed_notes())
def test_any_signed_note_verifies(note):
    assert note_digest_matches(note, unkeyed={note.pk})


@given(note=signed_notes(), data=st.data())
def test_any_single_change_to_a_signed_note_breaks_its_digest(note, data):
    fields = [*NOTE_FIELDS, *FORMAT_SECTIONS[note.format]]
    name = data.draw(st.sampled_from(fields))
    strategy = NOTE_FIELDS.get(name, st.text())
    unkeyed = {note.pk}  # an unkeyed digest is allowed for this row
    setattr(note, name, _another(data, strategy, getattr(note, name)))
    assert not note_digest_matches(note, unkeyed=unkeyed)


@st.composite
def signed_addenda(draw: st.DrawFn) -> tuple[Addendum, str]:
    note_sha256 = draw(HEXES)
    addendum = Addendum(
        id=draw(IDS),
        note_id=draw(IDS),
        author_id=draw(IDS),
        written_at=draw(INSTANTS),
        text=draw(st.text(min_size=1)),
        digest_scheme=draw(SCHEMES),
    )
    addendum.content_sha256 = addendum_digest(addendum, note_sha256=note_sha256)
    return addendum, note_sha256


ADDENDUM_FIELDS: dict[str, st.SearchStrategy] = {
    "note_id": IDS,
    "author_id": IDS,
    "written_at": INSTANTS,
    "text": st.text(min_size=1),
    "digest_scheme": SCHEMES,
    "content_sha256": HEXES,
}


@given(signed=signed_addenda())
def test_any_signed_addendum_verifies(signed):
    addendum, note_sha256 = signed
    assert addendum_digest_matches(
        addendum, note_sha256=note_sha256, unkeyed={addendum.pk}
    )


@given(signed=signed_addenda(), data=st.data())
def test_any_single_change_to_an_addendum_or_its_note_breaks_its_digest(signed, data):
    addendum, note_sha256 = signed
    name = data.draw(st.sampled_from([*ADDENDUM_FIELDS, "note_sha256"]))
    if name == "note_sha256":
        note_sha256 = _another(data, HEXES, note_sha256)
    else:
        old = getattr(addendum, name)
        setattr(addendum, name, _another(data, ADDENDUM_FIELDS[name], old))
    assert not addendum_digest_matches(
        addendum, note_sha256=note_sha256, unkeyed={addendum.pk}
    )
