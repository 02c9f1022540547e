"""``GET /api/v1/clients/<code>/fhir/``: one client's FHIR bundle for an
integration holding the ``records:read`` scope.

Who calls is an integration (``request.auth``), never a person;
:mod:`clinic.integrations.authentication` and ``permissions`` decide that.  A
code that is not one of the integration's clinic's clients answers 404, as an
unknown code does.
"""

from __future__ import annotations

from django.http import StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.views import APIView

from attachment.fhir import selectors, services
from attachment.fhir.views import CONTENT_TYPE, bundle_response
from attachment.ingestion.serializers import ErrorSerializer
from clinic.integrations.models import Integration, Scope
from clinic.integrations.usage import call_counted

ERRORS = {status: ErrorSerializer for status in (401, 403, 404, 429)}


class ClientFhirView(APIView):
    required_scopes = (Scope.RECORDS_READ,)

    @extend_schema(
        summary="One client's record as a FHIR R4 Bundle",
        description=(
            "A `collection` Bundle: the client (Patient, by code only), contacts "
            "(Communication), signed session notes and addenda "
            "(DocumentReference, with a Provenance per signature), attachment "
            "measures and dependency observations (Observation), coping plans "
            "(CarePlan) and flags (DetectedIssue). Process notes, reflections "
            "and supervision notes are never part of it. Streamed; needs the "
            "`records:read` scope. A code that is not one of the clinic's "
            "clients answers 404."
        ),
        responses={
            (200, CONTENT_TYPE): OpenApiResponse(
                OpenApiTypes.OBJECT, description="A FHIR R4 Bundle."
            ),
            **ERRORS,
        },
    )
    def get(self, request: Request, code: str) -> StreamingHttpResponse:
        integration = request.auth
        assert isinstance(integration, Integration)  # noqa: S101 (permission)
        now = timezone.now()
        call_counted(integration, now)
        client = selectors.integration_client(integration=integration, code=code)
        if client is None:
            raise NotFound()
        chunks = services.fhir_export_for_integration(
            integration=integration, client=client, now=now, request=request._request
        )
        return bundle_response(chunks, code=client.code)
