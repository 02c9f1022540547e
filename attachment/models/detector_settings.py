"""The per-clinic detector settings: one column per threshold, generated from
:data:`attachment.engine.patterns.FIELDS` with its default and valid range (a
validator and a CHECK constraint)."""

from __future__ import annotations

import pghistory
from django.core.exceptions import ValidationError
from django.core.validators import BaseValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from attachment.engine.patterns import FIELDS, ThresholdField
from attachment.engine.patterns.thresholds import threshold_problems
from clinic.models import Clinic


def _threshold_field(spec: ThresholdField) -> models.Field:
    """A model field for one threshold, with its documented default and range.

    No ``verbose_name`` or ``help_text``: the wording is the settings page's,
    and on the field it would make every rewording a schema migration (of the
    model and of its history table).
    """
    validators: list[BaseValidator] = []
    if spec.minimum is not None:
        validators.append(MinValueValidator(spec.minimum))
    if spec.maximum is not None:
        validators.append(MaxValueValidator(spec.maximum))
    if spec.kind is bool:
        return models.BooleanField(default=spec.default)
    if spec.kind is int:
        return models.IntegerField(validators=validators, default=spec.default)
    return models.FloatField(validators=validators, default=spec.default)


def _range_constraints() -> list[models.BaseConstraint]:
    checks: list[models.BaseConstraint] = []
    for spec in FIELDS:
        if spec.kind is bool:
            continue
        condition = Q()
        if spec.minimum is not None:
            condition &= Q(**{f"{spec.name}__gte": spec.minimum})
        if spec.maximum is not None:
            condition &= Q(**{f"{spec.name}__lte": spec.maximum})
        checks.append(
            models.CheckConstraint(
                condition=condition, name=f"detector_{spec.name}_in_range"
            )
        )
    return checks


class DetectorSettingsBase(models.Model):
    """Abstract holder of one field per threshold, generated from
    :data:`attachment.engine.patterns.FIELDS` so default and range are written
    once."""

    class Meta:
        abstract = True


for _spec in FIELDS:
    DetectorSettingsBase.add_to_class(_spec.name, _threshold_field(_spec))


@pghistory.track()
class DetectorSettings(DetectorSettingsBase):
    """One clinic's detector thresholds, edited by the clinic admin.

    One row per clinic, created with the documented defaults on first use
    (:func:`attachment.engine.services.detector_settings_for`).
    """

    clinic = models.OneToOneField(
        Clinic, on_delete=models.CASCADE, related_name="detector_settings"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "detector settings"
        constraints = _range_constraints()

    def __str__(self) -> str:
        return f"Detector settings of clinic {self.clinic_id}"

    def clean(self) -> None:
        """Cross-field rules (red at least as strict as yellow) that a
        single-column check cannot express."""
        values = {
            spec.name: getattr(self, spec.name)
            for spec in FIELDS
            if isinstance(getattr(self, spec.name), int | float)
        }
        problems = threshold_problems(values)
        if problems:
            raise ValidationError(problems)


class DetectorSettingsChange(models.Model):
    """One change of a clinic's detector thresholds: who made it, when and
    why, and each changed setting's value before and after.

    Written by :func:`attachment.oversight.services.detector_settings_save`
    in the same transaction as the change; never edited (the settings page
    lists them, newest first).  Numbers and names only, no clinical text.
    """

    clinic = models.ForeignKey(
        Clinic, on_delete=models.CASCADE, related_name="detector_settings_changes"
    )
    changed_by = models.ForeignKey(
        "clinic.User", on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField()
    reason = models.CharField(max_length=500)
    # {setting name: [value before, value after]}
    changes = models.JSONField()

    class Meta:
        ordering = ["-changed_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(reason=""), name="detector_settings_change_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"Detector settings change {self.pk} of clinic {self.clinic_id}"
