"""From FHIR resources back to the fields of Between's records.

Pure functions over parsed fhir.resources models: no database, no clock.
A resource that cannot become a record raises :class:`ItemProblem`, whose
reason names fields and rules, never a value (a value could be clinical
text).  Between's own codes and extensions (:mod:`attachment.fhir.profile`)
are read first; where a resource from another system lacks them, the
standard parts are used as far as they go.
"""

from attachment.fhir.convert.common import ItemProblem
from attachment.fhir.convert.contacts import client_fields, contact_fields
from attachment.fhir.convert.flags import flag_fields
from attachment.fhir.convert.notes import (
    addendum_fields,
    addendum_target,
    is_progress_note,
    note_fields,
    signature_of,
)
from attachment.fhir.convert.observations import (
    measure_fields,
    observation_fields,
    observation_kind,
    repair_fields,
    rupture_fields,
)
from attachment.fhir.convert.plans import plan_fields

__all__ = [
    "ItemProblem",
    "addendum_fields",
    "addendum_target",
    "client_fields",
    "contact_fields",
    "flag_fields",
    "is_progress_note",
    "measure_fields",
    "note_fields",
    "observation_fields",
    "observation_kind",
    "plan_fields",
    "repair_fields",
    "rupture_fields",
    "signature_of",
]
