"""Every kind of record that names a client is either destroyed with it or
kept for a stated reason, and every history table of a destroyed kind has
the database's rule: a new model naming a client fails here until it is
placed on one side."""

from __future__ import annotations

import pghistory.models
from django.apps import apps

from attachment.retention.guards import client_erasures, history_table
from attachment.retention.services import CLIENT_RECORDS, KEPT_WITH_THE_CLIENT
from clinic.models import Client

#: Gone through the erase function rather than the ORM.
ERASED = {"notes.sessionnote"}


def _naming_the_client() -> set[str]:
    return {
        model._meta.label_lower
        for model in apps.get_models()
        if not issubclass(model, pghistory.models.Event)
        and any(
            field.is_relation and field.related_model is Client
            for field in model._meta.fields
        )
    }


def test_every_kind_naming_a_client_is_destroyed_or_kept_for_a_reason():
    destroyed = {model._meta.label_lower for model in CLIENT_RECORDS} | ERASED
    assert not destroyed & set(KEPT_WITH_THE_CLIENT)
    assert _naming_the_client() == destroyed | set(KEPT_WITH_THE_CLIENT)


def test_the_history_of_every_destroyed_kind_has_the_rule():
    ruled = {erasure.table for erasure in client_erasures()}
    destroyed = [
        model._meta.label
        for model in CLIENT_RECORDS
        if model.__name__ != "RetentionDue"
    ]
    for label in [*destroyed, "notes.SessionNote", "clinic.Client"]:
        assert history_table(label) in ruled, label
