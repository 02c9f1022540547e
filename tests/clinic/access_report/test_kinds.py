"""The kinds of record the report names, and the object types it shares
with the pages that write them."""

from __future__ import annotations

import pytest
from django.apps import apps

from clinic import access
from clinic.access_report import kinds
from clinic.access_report.kinds import KIND_OF_TYPE, Kind, kind_label
from clinic.models import Client

# Models that hold a client but are never on its trail, and why.
NEVER_AUDITED = {
    "clinic.auditevent": "the trail itself",
    "attachment.rescanrequest": "the pattern engine's bookkeeping",
    "attachment.retentiondue": "the nightly list of clients past retention, ids and dates",
}


def _holds_a_client(model) -> bool:
    return any(
        field.name == "client" and field.related_model is Client
        for field in model._meta.concrete_fields
    )


def test_every_model_on_a_clients_trail_has_a_kind():
    on_trail = {
        model._meta.label_lower
        for app in ("clinic", "notes", "attachment")
        for model in apps.get_app_config(app).get_models()
        if _holds_a_client(model) and not model._meta.label_lower.endswith("event")
    }
    assert "attachment.contact" in on_trail
    assert on_trail - set(NEVER_AUDITED) - set(KIND_OF_TYPE) == set()


def test_every_kind_claims_at_least_one_object_type_and_no_type_is_claimed_twice():
    assert {kind for kind in KIND_OF_TYPE.values()} == set(Kind)
    claimed = [t for types in kinds.OBJECT_TYPES.values() for t in types]
    assert len(claimed) == len(set(claimed))


@pytest.mark.parametrize(
    ("object_type", "label"),
    [
        ("notes.sessionnote", "session note"),
        ("notes.addendum", "session note"),
        ("attachment.copingplan", "coping plan"),
        ("attachment.flagresponse", "flag"),
        ("cover_page", "cover page"),
        ("break_glass_page", "cover page (break-glass)"),
        ("access_report", "access report"),
        ("attachment.scanrun", "scanrun"),
        ("some_page", "some page"),
    ],
)
def test_labels_are_readable_even_for_a_type_no_kind_claims(object_type, label):
    assert kind_label(object_type) == label


def test_the_page_names_are_the_ones_the_cover_pages_write():
    assert (kinds.COVER_PAGE, kinds.BREAK_GLASS_PAGE) == (
        access.COVER_PAGE,
        access.BREAK_GLASS_PAGE,
    )
    assert kind_label(access.COVER_PAGE) == "cover page"
