"""The access report's filters: person, kind of record, role, action and a
range of days in the clinic's time zone.

The person choices are the people on this client's trail, so the filter names
nobody else.  The role is the report's own annotation
(:func:`clinic.access_report.selectors.role_expression`), so filtering by it
happens in the database like the rest, and the pages stay a fixed number of
queries.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

import django_filters
from django import forms
from django.db.models import QuerySet

from clinic.access_report import selectors
from clinic.access_report.kinds import OBJECT_TYPES, AccessRole, Kind
from clinic.models import AuditAction, AuditEvent, User

DATE_INPUT = forms.DateInput(attrs={"type": "date"})


class AccessReportFilter(django_filters.FilterSet):
    person = django_filters.ChoiceFilter(
        label="Person", field_name="actor_id", empty_label="Everyone"
    )
    kind = django_filters.ChoiceFilter(
        label="Kind of record",
        choices=Kind.choices,
        empty_label="Any kind",
        method="filter_kind",
    )
    role = django_filters.ChoiceFilter(
        label="Role", choices=AccessRole.choices, empty_label="Any role"
    )
    action = django_filters.ChoiceFilter(
        label="Action", choices=AuditAction.choices, empty_label="Any action"
    )
    since = django_filters.DateFilter(
        label="From", method="filter_since", widget=DATE_INPUT
    )
    until = django_filters.DateFilter(
        label="Until", method="filter_until", widget=DATE_INPUT
    )

    class Meta:
        model = AuditEvent
        fields: list[str] = []

    def __init__(
        self, *args, people: list[User], zone: zoneinfo.ZoneInfo, **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.zone = zone
        self.filters["person"].extra["choices"] = [
            (str(person.pk), person.full_name or f"person #{person.pk}")
            for person in people
        ]

    def filter_kind(
        self, queryset: QuerySet[AuditEvent], name: str, value: str
    ) -> QuerySet[AuditEvent]:
        return queryset.filter(object_type__in=OBJECT_TYPES[Kind(value)])

    def filter_since(
        self, queryset: QuerySet[AuditEvent], name: str, value: dt.date
    ) -> QuerySet[AuditEvent]:
        return selectors.trail_since(queryset, day=value, zone=self.zone)

    def filter_until(
        self, queryset: QuerySet[AuditEvent], name: str, value: dt.date
    ) -> QuerySet[AuditEvent]:
        return selectors.trail_until(queryset, day=value, zone=self.zone)
