"""The generic signed JSON webhook's body: the contacts API's own JSON, one
item or a list of up to :data:`~attachment.ingestion.services.BATCH_MAX`.

The items are checked by :func:`attachment.ingestion.services.contacts_ingest`,
item by item; here only the body's outer shape is.
"""

from __future__ import annotations

import json

from attachment.ingestion.services import BATCH_MAX


class BodyMalformed(ValueError):
    """The body is not the API's JSON.  The message is general: the body is
    never repeated."""


def contact_items(body: bytes) -> list[object]:
    """The items of ``body``, or :class:`BodyMalformed`."""
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise BodyMalformed("The body is not JSON.") from None
    if not isinstance(data, list | dict):
        raise BodyMalformed("Send one contact or a list of contacts.")
    items = data if isinstance(data, list) else [data]
    if len(items) > BATCH_MAX:
        raise BodyMalformed(f"A batch holds at most {BATCH_MAX} items.")
    return items
