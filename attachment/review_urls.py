"""URLs of the review pages, included by :mod:`attachment.urls` under its namespace."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
