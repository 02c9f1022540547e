"""The icon a browser asks for by itself is the static one."""

from django.contrib.staticfiles import finders
from django.templatetags.static import static


def test_favicon_ico_leads_to_the_static_icon(http):
    response = http.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == static("clinic/icon.svg")
    assert finders.find("clinic/icon.svg") is not None
