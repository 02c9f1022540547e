"""The detector settings form, generated from :data:`attachment.engine.patterns.FIELDS`
so that each threshold's label, meaning, default and valid range are written
once, in the engine, and shown beside the input."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django import forms

from attachment.engine.patterns import FIELDS, ThresholdField
from attachment.engine.patterns.thresholds import threshold_problems
from attachment.models import DetectorSettings, DetectorSettingsChange

_BY_NAME = {spec.name: spec for spec in FIELDS}


@dataclass(frozen=True)
class DetectorGroup:
    """One detector: its on/off switch and its thresholds, in FIELDS order."""

    title: str
    switch: str
    thresholds: tuple[str, ...]


def detector_groups() -> list[DetectorGroup]:
    """FIELDS lists each detector's switch followed by its thresholds."""
    groups: list[DetectorGroup] = []
    for spec in FIELDS:
        if spec.kind is bool:
            title = spec.label.removesuffix(": on")
            groups.append(DetectorGroup(title, spec.name, ()))
        else:
            last = groups[-1]
            groups[-1] = DetectorGroup(
                last.title, last.switch, (*last.thresholds, spec.name)
            )
    return groups


def _range_text(spec: ThresholdField) -> str:
    return f"{spec.minimum:g} to {spec.maximum:g}"


def _field(spec: ThresholdField) -> forms.Field:
    if spec.kind is bool:
        return forms.BooleanField(required=False, label="Switched on")
    messages = {
        "required": "Give a value.",
        "min_value": f"Must be at least {spec.minimum:g} (valid: {_range_text(spec)}).",
        "max_value": f"Must be at most {spec.maximum:g} (valid: {_range_text(spec)}).",
    }
    options: dict[str, Any] = {
        "label": spec.label,
        "min_value": spec.minimum,
        "max_value": spec.maximum,
        "error_messages": messages,
    }
    if spec.kind is int:
        messages["invalid"] = "Give a whole number."
        return forms.IntegerField(**options)
    messages["invalid"] = "Give a number."
    return forms.FloatField(**options)


def _readable(problem: str) -> str:
    """A cross-field problem with its field names replaced by their labels."""
    return re.sub(
        r"[a-z_]+",
        lambda word: f"“{_BY_NAME[word[0]].label}”" if word[0] in _BY_NAME else word[0],
        problem,
    )


REASON_MAX = DetectorSettingsChange._meta.get_field("reason").max_length


def _reason_field() -> forms.CharField:
    return forms.CharField(
        label="Why the thresholds change",
        max_length=REASON_MAX,
        help_text="Listed below with your name and the time, for the clinic to read.",
        error_messages={"required": "Say why the thresholds change."},
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReasonForm(forms.Form):
    """The reason alone, for putting every threshold back to its default."""

    reason = _reason_field()


class DetectorSettingsForm(forms.Form):
    """Every threshold and switch of the clinic's detectors, and the reason
    for changing them.  ``read_only`` shows them to someone who may not
    change them (the clinic admin), every input disabled."""

    def __init__(self, *args: Any, read_only: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for spec in FIELDS:
            self.fields[spec.name] = _field(spec)
            self.fields[spec.name].disabled = read_only
        self.fields["reason"] = _reason_field()
        self.fields["reason"].disabled = read_only
        self.read_only = read_only

    @classmethod
    def initial_from(cls, row: DetectorSettings) -> dict[str, Any]:
        return {spec.name: getattr(row, spec.name) for spec in FIELDS}

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        numbers = {
            name: value
            for name, value in cleaned.items()
            if name in _BY_NAME
            and _BY_NAME[name].kind is not bool
            and value is not None
        }
        for problem in threshold_problems(numbers):
            named = [
                name for name in re.findall(r"[a-z_]+", problem) if name in numbers
            ]
            self.add_error(named[0] if named else None, _readable(problem))
        return cleaned

    def groups(self) -> list[dict[str, Any]]:
        """The bound fields per detector with their specs, for the page."""
        return [
            {
                "title": group.title,
                "switch": self[group.switch],
                "thresholds": [
                    {"field": self[name], "spec": _BY_NAME[name]}
                    for name in group.thresholds
                ],
            }
            for group in detector_groups()
        ]
