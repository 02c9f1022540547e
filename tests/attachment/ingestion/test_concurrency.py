"""Two deliveries of the same batch at once create each contact once."""

from __future__ import annotations

import json
import threading

import pytest
from django.db import connection
from django.test import Client as HttpClient

from attachment.models import Contact, ContactDelivery
from tests.attachment.ingestion.test_contacts_api import URL, item


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicate_deliveries_create_each_contact_once(
    client, policy, issued
):
    _, token = issued
    batch = json.dumps(
        [
            item(f"c{n}", occurred_at=f"2026-03-{n + 2:02d}T10:00:00+00:00")
            for n in range(6)
        ]
    )
    barrier = threading.Barrier(2)
    answers: list[list[str]] = []
    errors: list[BaseException] = []

    def deliver() -> None:
        try:
            http = HttpClient(headers={"Authorization": f"Bearer {token}"})
            barrier.wait(timeout=10)
            response = http.post(URL, batch, content_type="application/json")
            assert response.status_code == 200, response.content
            answers.append([r["status"] for r in response.json()["results"]])
        except BaseException as error:  # noqa: BLE001 (reported below)
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors, errors
    assert Contact.objects.count() == 6
    assert ContactDelivery.objects.count() == 6
    statuses = sorted(status for answer in answers for status in answer)
    assert statuses == ["created"] * 6 + ["duplicate"] * 6
