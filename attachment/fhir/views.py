"""The client page's download of the FHIR bundle, streamed."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from attachment.fhir import services
from clinic.access import AuthenticatedHttpRequest

CONTENT_TYPE = "application/fhir+json"


def bundle_response(chunks, *, code: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(chunks, content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{code}-fhir.json"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def client_fhir_bundle(
    request: AuthenticatedHttpRequest, client_id: int
) -> StreamingHttpResponse:
    client, chunks = services.fhir_export(
        actor=request.user, client_id=client_id, now=timezone.now(), request=request
    )
    return bundle_response(chunks, code=client.code)
