"""The flag queue's filters: supervisee, kind, tier, status, detected between.

They filter flags; the queue then shows one row per client with any flag
that matches, and that client's card holds the matching flags only.

Without a status chosen the queue shows the live flags (open, acknowledged,
in supervision); closed ones are one click away.  The supervisee choices are
the user's own current supervisees (and the user), so the filter cannot name
anyone else's therapist.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import QuerySet

from attachment.models import LIVE_FLAG_STATUSES, Flag, FlagKind, FlagStatus, FlagTier
from clinic.models import User

DATE_INPUT = forms.DateInput(attrs={"type": "date"})


class FlagQueueFilter(django_filters.FilterSet):
    therapist = django_filters.ChoiceFilter(
        label="Therapist", field_name="client__therapist_id", empty_label="Everyone"
    )
    kind = django_filters.ChoiceFilter(choices=FlagKind.choices, empty_label="Any kind")
    tier = django_filters.ChoiceFilter(
        choices=FlagTier.choices, empty_label="Any strength of evidence"
    )
    status = django_filters.MultipleChoiceFilter(
        choices=FlagStatus.choices,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        label="Status",
    )
    detected_from = django_filters.DateFilter(
        field_name="detected_at",
        lookup_expr="date__gte",
        label="Detected from",
        widget=DATE_INPUT,
    )
    detected_to = django_filters.DateFilter(
        field_name="detected_at",
        lookup_expr="date__lte",
        label="Detected until",
        widget=DATE_INPUT,
    )

    class Meta:
        model = Flag
        fields: list[str] = []

    def __init__(self, *args, reviewers: list[User], **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["therapist"].extra["choices"] = [
            (str(person.pk), str(person)) for person in reviewers
        ]

    def filter_queryset(self, queryset: QuerySet[Flag]) -> QuerySet[Flag]:
        flags = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("status"):
            flags = flags.filter(status__in=LIVE_FLAG_STATUSES)
        return flags
