"""The ingestion API's views (``/api/v1/``): thin, one service each.

Who calls is an integration (``request.auth``), never a person;
:mod:`clinic.integrations.authentication` and ``permissions`` decide that.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from attachment.ingestion import serializers as shapes
from attachment.ingestion.services import BATCH_MAX, contacts_ingest
from clinic.audit import audit_record
from clinic.integrations.models import Integration, Scope
from clinic.integrations.usage import call_counted
from clinic.models import AuditAction, Client

ERRORS = {
    400: shapes.ErrorSerializer,
    401: shapes.ErrorSerializer,
    403: shapes.ErrorSerializer,
    413: shapes.ErrorSerializer,
    429: shapes.ErrorSerializer,
}


class BodyTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."


class IntegrationView(APIView):
    required_scopes: tuple[str, ...] = ()

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.API_MAX_BODY_BYTES:
            raise BodyTooLarge()
        super().initial(request, *args, **kwargs)
        assert isinstance(request.auth, Integration)  # noqa: S101 (permission)
        self.admitted = True

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        """An admitted call is counted for the day and noted as the
        integration's last at the end of its work: the counter's row is
        then locked only for the end of the request's transaction, not for
        all of it (concurrent calls of one integration would queue on it).
        A call whose work is rolled back (an error answer) is not counted."""
        if getattr(self, "admitted", False) and not transaction.get_rollback():
            call_counted(self.integration, timezone.now())
        return super().finalize_response(request, response, *args, **kwargs)

    @property
    def integration(self) -> Integration:
        integration = self.request.auth
        assert isinstance(integration, Integration)  # noqa: S101
        return integration


class ContactsView(IntegrationView):
    required_scopes = (Scope.CONTACTS_WRITE,)

    @extend_schema(
        summary="Send contacts",
        description=(
            "One contact, or a list of up to 1,000. Each names its client by "
            "`client` (the client's code) or by `address` (the phone number or "
            "e-mail address the message came from or went to) and carries an "
            "`external_id` unique for the integration: a repeated delivery "
            "changes nothing and answers as the first did. An address no client "
            "has answers `unmatched`: the item waits in the clinic's unmatched "
            "inbox. Codes and rules are the CSV import's; a missing `purpose` "
            "leaves the contact unclassified. A rejected item's `reason` names "
            "fields, never their values."
        ),
        request=shapes.ContactItemSerializer(many=True),
        responses={200: shapes.IngestResultSerializer, **ERRORS},
    )
    def post(self, request: Request) -> Response:
        data = request.data
        items = data if isinstance(data, list) else [data]
        if not isinstance(data, list | dict):
            raise ParseError()
        if len(items) > BATCH_MAX:
            return Response(
                {"error": f"A batch holds at most {BATCH_MAX} items."},
                status=status.HTTP_400_BAD_REQUEST,
            )
        results = contacts_ingest(
            integration=self.integration, items=items, now=timezone.now()
        )
        return Response({"results": [result.as_dict() for result in results]})


class ClientsView(IntegrationView):
    required_scopes = (Scope.CLIENTS_READ,)

    @extend_schema(
        summary="The clinic's current clients",
        description="Codes and status only: no names, no clinical text.",
        responses={200: shapes.ClientCodeSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request) -> Response:
        integration = self.integration
        rows = list(
            Client.objects.filter(clinic_id=integration.clinic_id)
            .exclude(status="ended")
            .order_by("code")
            .values("code", "status")
        )
        # The event's object is the calling integration.
        audit_record(
            actor=None,
            action=AuditAction.READ,
            obj=integration,
            object_type="api.clients",
            at=timezone.now(),
        )
        return Response(rows)
