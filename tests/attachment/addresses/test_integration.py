"""The client page's line leading to the client's contact addresses: the
treating therapist's only, with a count and no address."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import timezone

from attachment.addresses.integration import addresses_client_panel
from attachment.addresses.services import address_add


def _panel(user, client):
    request = RequestFactory().get("/")
    request.user = user
    context = addresses_client_panel(request=request, client=client, now=timezone.now())
    return render_to_string(
        "attachment/addresses/_client_panel.html", {"panel": context}
    )


def test_the_treating_therapist_is_led_to_the_clients_addresses(therapist, client):
    address_add(actor=therapist, client=client, raw="+447700900123", now=timezone.now())
    html = _panel(therapist, client)
    assert f"/records/clients/{client.pk}/addresses/" in html
    assert "(1)" in html and "+447700900123" not in html


def test_a_supervisor_is_not_led_there(supervisor, client):
    assert _panel(supervisor, client).strip() == ""
