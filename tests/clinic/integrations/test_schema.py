"""The OpenAPI 3.1 schema and its reference page, served offline."""

from __future__ import annotations

import re

import yaml
from django.contrib.staticfiles import finders

from clinic.middleware import CONTENT_SECURITY_POLICY


def test_the_schema_is_openapi_3_1_with_a_bearer_token(http, db):
    response = http.get("/api/v1/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"] == "3.1.0"
    assert {"/api/v1/contacts/", "/api/v1/clients/"} <= set(schema["paths"])
    scheme = schema["components"]["securitySchemes"]["integrationToken"]
    assert scheme == {"type": "http", "scheme": "bearer"}


def test_the_reference_page_uses_local_files_and_no_inline_script(http, db):
    response = http.get("/api/v1/reference/")
    page = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    urls = re.findall(r'(?:src|href|data-schema-url)="([^"]+)"', page)
    assert urls and all(url.startswith("/") for url in urls), urls
    assert "<style" not in page
    assert all("src=" in tag for tag in re.findall(r"<script[^>]*>", page))
    static = [url.removeprefix("/static/") for url in urls if url != "/api/v1/schema/"]
    assert all(finders.find(path) for path in static), static
