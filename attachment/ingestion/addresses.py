"""Normalising a client's contact address, so that the same number or
mailbox written two ways is one address: phone numbers in E.164
(``+447700900123``), e-mail addresses lower-cased.

A phone number written without its country code is read in
``settings.PHONE_DEFAULT_REGION``.  The error messages never repeat the
address: they may reach logs and API answers.
"""

from __future__ import annotations

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from attachment.models import AddressKind

EMAIL_MAX = 254


def address_kind(raw: str) -> str:
    """``email`` for anything with an ``@``, else ``phone``."""
    return AddressKind.EMAIL if "@" in raw else AddressKind.PHONE


def phone_normalised(raw: str) -> str:
    try:
        number = phonenumbers.parse(raw.strip(), settings.PHONE_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        raise ValidationError("Not a phone number.", code="phone") from None
    if not phonenumbers.is_possible_number(number):
        raise ValidationError("Not a possible phone number.", code="phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def email_normalised(raw: str) -> str:
    value = raw.strip().lower()
    if len(value) > EMAIL_MAX:
        raise ValidationError("The e-mail address is too long.", code="email")
    try:
        validate_email(value)
    except ValidationError:
        raise ValidationError("Not an e-mail address.", code="email") from None
    return value


def address_normalised(raw: str) -> tuple[str, str]:
    """``(kind, value)`` of ``raw``, or a ``ValidationError`` that does not
    quote it."""
    if not isinstance(raw, str) or not raw.strip():
        raise ValidationError("Give an address.", code="required")
    kind = address_kind(raw)
    if kind == AddressKind.EMAIL:
        return kind, email_normalised(raw)
    return kind, phone_normalised(raw)
