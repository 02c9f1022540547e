"""Factories for the notes app.  All text is synthetic."""

from __future__ import annotations

import datetime as dt

import factory

from notes.models import NoteFormat, ProcessNote, Reflection, RiskLevel, SessionNote
from notes.signature_hashes import text_digest

SESSION_AT = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)


class SessionNoteFactory(factory.django.DjangoModelFactory):
    """A complete SOAP draft, ready to sign (its risk section says none)."""

    class Meta:
        model = SessionNote

    author = factory.LazyAttribute(lambda note: note.client.therapist)
    session_at = SESSION_AT
    duration_minutes = 50
    format = NoteFormat.SOAP
    subjective = "Reported a calmer week."
    objective = "Engaged, affect congruent."
    assessment = "Alliance steady."
    plan = "Continue weekly."
    risk_level = RiskLevel.NONE
    created_at = SESSION_AT
    updated_at = SESSION_AT


class ReflectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reflection

    author = factory.LazyAttribute(lambda reflection: reflection.client.therapist)
    written_at = SESSION_AT + dt.timedelta(days=2)
    text = "Revisit the grounding technique."
    bring_to_next_session = True


class ProcessNoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProcessNote

    author = factory.LazyAttribute(lambda note: note.client.therapist)
    written_at = SESSION_AT
    updated_at = SESSION_AT
    text = "PRIVATE-PROCESS-TEXT my countertransference today"
    text_sha256 = factory.LazyAttribute(lambda note: text_digest(note.text))
