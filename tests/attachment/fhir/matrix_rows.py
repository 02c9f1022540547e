"""Permission-matrix rows of the FHIR export (see :mod:`tests.matrix`).

Only the treating therapist hands the record out from the client page:
everyone else, the supervisor and the clinic admin included, is told the
client does not exist (404).  The download streams a bundle (200).

The API's export answers integration tokens only: every person, signed in or
not, is asked to authenticate (401).  What a token may do is tested through
the API itself (tests/attachment/fhir/test_api.py).
"""

from tests.matrix import ANON, OWN, ROLES, Row

TREATING_ONLY = {role: 404 for role in ROLES} | {OWN: 200, ANON: 302}
TOKEN_ONLY = {role: 401 for role in ROLES}


def _client(w):
    return [w.client.pk]


def _code(w):
    return [w.client.code]


ROWS = [
    Row("attachment:client_fhir_bundle", _client, expected=TREATING_ONLY),
    Row("api:client_fhir", _code, expected=TOKEN_ONLY),
]
