"""Hypothesis strategies built from the project's own forms, and the
per-example isolation the form tests rely on.

:func:`form_data` reads a form's fields (choices, querysets, required,
``max_length``, numeric bounds, dates) and draws a submission that is wholly
valid about half of the time and otherwise mixes valid values with garbage
field by field.  Garbage alone almost never gets past a form, so the service
behind it would go untested; valid values alone never test the refusal.

A form whose choices depend on the database (a ``ModelChoiceField`` narrowed
to a clinic) is passed as an instance built after the rows it offers: its
querysets are read when the strategy is made.  :func:`valid_share` measures,
with a fixed seed, how many drawn submissions a form accepts.

:func:`rolled_back` runs every example in a savepoint that is rolled back
afterwards, so no example sees what an earlier one wrote.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable, Iterable, Mapping
from functools import wraps
from typing import Any, TypeVar

from django import forms
from django.conf import settings as django_settings
from django.db import transaction
from django.http import HttpResponse, QueryDict
from django.test import Client as HttpClient
from django.utils import timezone
from django.utils.html import escape
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from clinic.models import AuditAction, AuditEvent, Clinic, User
from tests.factories import MembershipFactory, UserFactory

T = TypeVar("T")

# Left out of the submission altogether (a browser omits an unticked box, a
# hand-made request omits anything).
ABSENT = object()

# The longest random text the strategies draw.  Lengths that matter (at a
# field's limit, past it, far past it) have their own families below; longer
# random text finds nothing new and slows every page that echoes it.
SHORT_TEXT = 40

# How far from today generated dates fall unless a test narrows them.
DATE_SPAN = dt.timedelta(days=180)

GARBAGE: SearchStrategy[str] = st.one_of(
    st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=SHORT_TEXT),
    st.sampled_from(
        [
            "",
            "   ",
            "\x00null byte",
            "سلام، این یک یادداشت است",
            "这是一条很长的记录" * 3000,
            "ü" * 20_001,
            "<script>alert(1)</script>",
            "1" * 40,
            "-1",
            "0",
            "99999999999999999999",
            "²",
            "١٢",
            "nan",
            "0001-01-01",
            "9999-12-31",
            "2026-02-30",
            "0001-01-01T00:00",
            "9999-12-31T23:59",
            "2026-03-29T01:30",  # does not exist in Europe/London
        ]
    ),
)

# Anything a form may accept as text: PostgreSQL refuses only NUL.
TEXT_CHARACTERS = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")
FIRST_CHARACTERS = st.characters(categories=("L", "N", "P", "S"))


# --- valid values, by field type --------------------------------------------


def _choice_keys(choices: Iterable[Any]) -> list[str]:
    keys: list[str] = []
    for key, label in choices:
        if isinstance(label, list | tuple):  # an option group
            keys.extend(_choice_keys(label))
        else:
            keys.append(str(key))
    return keys


def _pick_some(keys: list[str], *, required: bool) -> SearchStrategy[list[str]]:
    if not keys:
        return st.just([])
    return st.lists(
        st.sampled_from(keys), min_size=int(required), max_size=3, unique=True
    )


def _pick_one(keys: list[str], *, required: bool) -> SearchStrategy[str]:
    keys = [key for key in keys if key] if required else [*keys, ""]
    if not keys:
        raise ValueError(
            "A required choice offers nothing to choose: build the example's "
            "world, then the form, then the strategy."
        )
    return st.sampled_from(list(dict.fromkeys(keys)))


def _model_keys(field: forms.ModelChoiceField) -> list[str]:
    return [
        str(pk) for pk in field.queryset.order_by("pk").values_list("pk", flat=True)
    ]


def _valid_model_choices(field: forms.Field) -> SearchStrategy[Any]:
    return _pick_some(_model_keys(field), required=field.required)


def _valid_model_choice(field: forms.Field) -> SearchStrategy[Any]:
    return _pick_one(_model_keys(field), required=field.required)


def _valid_choices(field: forms.Field) -> SearchStrategy[Any]:
    return _pick_some(_choice_keys(field.choices), required=field.required)


def _valid_choice(field: forms.Field) -> SearchStrategy[Any]:
    return _pick_one(_choice_keys(field.choices), required=field.required)


def _valid_boolean(field: forms.Field) -> SearchStrategy[Any]:
    return st.just("on") if field.required else st.sampled_from(["on", ABSENT])


def _valid_integer(field: forms.Field) -> SearchStrategy[Any]:
    low = field.min_value if field.min_value is not None else -(10**6)
    high = field.max_value if field.max_value is not None else 10**6
    return st.integers(low, high).map(str)


# Dates and times are drawn as offsets from the first one allowed, never with
# bounds read from the clock: Hypothesis replays a choice sequence and refuses a
# strategy whose bounds moved between examples.


def dates(*, earliest: dt.date, latest: dt.date) -> SearchStrategy[str]:
    """Days between two dates, as a date input sends them."""
    return st.integers(0, (latest - earliest).days).map(
        lambda days: (earliest + dt.timedelta(days=days)).isoformat()
    )


def _valid_date(field: forms.Field) -> SearchStrategy[Any]:
    today = timezone.localdate()
    return dates(earliest=today - DATE_SPAN, latest=today + DATE_SPAN)


def wall_times(*, earliest: dt.datetime, latest: dt.datetime) -> SearchStrategy[str]:
    """Wall-clock times to the minute, as a ``datetime-local`` input sends them."""
    minutes = int((latest - earliest).total_seconds() // 60)
    return st.integers(0, minutes).map(
        lambda offset: (earliest + dt.timedelta(minutes=offset)).isoformat(
            timespec="minutes"
        )
    )


def _valid_datetime(field: forms.Field) -> SearchStrategy[Any]:
    # Ending a day ago keeps the time in the past in any clinic's time zone.
    latest = timezone.now().replace(tzinfo=None) - dt.timedelta(days=1)
    return wall_times(earliest=latest - DATE_SPAN, latest=latest)


def _valid_text(field: forms.Field) -> SearchStrategy[Any]:
    longest = field.max_length or 20_000
    body = st.text(alphabet=TEXT_CHARACTERS, max_size=min(longest, SHORT_TEXT))
    if field.required or field.min_length:
        body = st.builds(operator.add, FIRST_CHARACTERS, body)
    body = body.map(lambda text: text[:longest])
    if field.max_length is None:
        return body
    at_the_limit = st.just("é" * longest)
    # One draw in four sits exactly at the limit.
    return st.integers(0, 3).flatmap(lambda roll: at_the_limit if roll == 0 else body)


# Most specific first: a ModelMultipleChoiceField is a ModelChoiceField is a
# ChoiceField.
VALID_BY_TYPE: list[tuple[type[forms.Field], Callable[[Any], SearchStrategy[Any]]]] = [
    (forms.ModelMultipleChoiceField, _valid_model_choices),
    (forms.ModelChoiceField, _valid_model_choice),
    (forms.MultipleChoiceField, _valid_choices),
    (forms.ChoiceField, _valid_choice),
    (forms.BooleanField, _valid_boolean),
    (forms.IntegerField, _valid_integer),
    (forms.DateTimeField, _valid_datetime),
    (forms.DateField, _valid_date),
    (forms.CharField, _valid_text),
]


def valid_value(field: forms.Field) -> SearchStrategy[Any]:
    """What the field accepts, drawn from its own definition."""
    for kind, build in VALID_BY_TYPE:
        if isinstance(field, kind):
            return build(field)
    raise TypeError(f"No valid-value strategy for {type(field).__name__}.")


# --- garbage, by field type ---------------------------------------------------
#
# Hypothesis never draws the same input twice if it can help it, so a single
# wrong value ("", one bad date) is tried once and then used up.  Each kind of
# wrong input below is therefore a whole family of values, so that refusals
# keep coming for as long as a run lasts.

BLANK = st.text(alphabet=" \t\n\r\u00a0\u2028\u3000", max_size=12)
SOME_TEXT = st.text(alphabet=TEXT_CHARACTERS, max_size=20)


def _text_misses(field: forms.CharField) -> list[SearchStrategy[Any]]:
    misses = [
        st.builds("{}\x00{}".format, SOME_TEXT, SOME_TEXT),
        # Longer than the model may allow, should the form forget its limit.
        st.integers(300, 25_000).map(lambda size: "é" * size),
    ]
    if field.required:
        misses.append(BLANK)
    if field.max_length:
        over = "é" * field.max_length
        misses.append(st.builds(operator.add, st.just(over), FIRST_CHARACTERS))
    return misses


def _integer_misses(field: forms.IntegerField) -> list[SearchStrategy[Any]]:
    misses = [st.floats(allow_nan=True, allow_infinity=True).map(str)]
    if field.min_value is not None:
        misses.append(st.integers(max_value=field.min_value - 1).map(str))
    if field.max_value is not None:
        misses.append(st.integers(min_value=field.max_value + 1).map(str))
    return misses


def _choice_misses(field: forms.ChoiceField) -> list[SearchStrategy[Any]]:
    if isinstance(field, forms.ModelChoiceField):
        # Ids of rows that are not on offer, and of none at all.
        return [st.integers(-2, 10**7).map(str)]
    keys = [key for key in _choice_keys(field.choices) if key]
    misses = [st.lists(GARBAGE, max_size=3)]
    if keys:
        misses.append(
            st.builds(operator.add, st.sampled_from(keys), st.sampled_from(" xX_"))
        )
    return misses


def _temporal_misses(field: forms.Field) -> list[SearchStrategy[Any]]:
    return [
        st.dates().map(dt.date.isoformat),
        st.datetimes().map(lambda moment: moment.isoformat(timespec="minutes")),
        st.dates().map(lambda day: day.strftime("%d/%m/%Y")),
    ]


MISSES_BY_TYPE: list[tuple[type[forms.Field], Callable[[Any], list[Any]]]] = [
    (forms.ChoiceField, _choice_misses),
    (forms.IntegerField, _integer_misses),
    (forms.DateField, _temporal_misses),
    (forms.DateTimeField, _temporal_misses),
    (forms.CharField, _text_misses),
]


def garbage_for(field: forms.Field) -> SearchStrategy[Any]:
    """Anything at all, the field left out, and values that look right but are
    not: one character too long, one past a bound, a choice misspelt, an id
    that is not on offer, a date in another format."""
    misses: list[SearchStrategy[Any]] = [st.just(ABSENT)]
    for kind, build in MISSES_BY_TYPE:
        if isinstance(field, kind):
            misses.extend(build(field))
    return st.one_of(GARBAGE, *misses)


# --- whole submissions ----------------------------------------------------------

# Names a hand-made request might add: the button, and fields of the record
# that no form offers (a status, an author).  A form must ignore them all.
STRAY_FIELDS = ("save", "id", "status", "author", "client", "clinic", "signed_by")

Overrides = Mapping[str, SearchStrategy[Any]] | None
AnyForm = forms.BaseForm | type[forms.BaseForm]


def _fields(form: AnyForm) -> dict[str, forms.Field]:
    fields = form.base_fields if isinstance(form, type) else form.fields
    return {name: field for name, field in fields.items() if not field.disabled}


def _key(form: AnyForm, name: str) -> str:
    return name if isinstance(form, type) else form.add_prefix(name)


def _stray(form: AnyForm) -> SearchStrategy[dict[str, Any]]:
    names = [name for name in STRAY_FIELDS if name not in _fields(form)]
    return st.dictionaries(st.sampled_from(names), GARBAGE, max_size=2)


def _submission(stray: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    return {
        key: value for key, value in {**stray, **fields}.items() if value is not ABSENT
    }


def valid_data(form: AnyForm, *, valid: Overrides = None) -> SearchStrategy[dict]:
    """A submission every field of which is valid on its own.  ``valid``
    replaces the drawn value of named fields (a date that must follow another,
    the user's real password)."""
    valid = valid or {}
    fields = {
        _key(form, name): valid[name] if name in valid else valid_value(field)
        for name, field in _fields(form).items()
    }
    return st.builds(_submission, _stray(form), st.fixed_dictionaries(fields))


def mixed_data(
    form: AnyForm, *, valid: Overrides = None, garbage: Overrides = None
) -> SearchStrategy[dict]:
    """A submission with garbage in at least one field and valid values or
    garbage in the others; ``garbage`` adds to the garbage of named fields (an
    id from another clinic).  Garbage can still be valid: most random text is
    a fine reflection."""
    valid, garbage = valid or {}, garbage or {}
    fields = _fields(form)
    if not fields:
        return valid_data(form)

    bad = {
        name: st.one_of(
            garbage_for(field), *([garbage[name]] if name in garbage else [])
        )
        for name, field in fields.items()
    }
    good = {
        name: valid[name] if name in valid else valid_value(field)
        for name, field in fields.items()
    }
    # Built once, not per draw: a model choice reads its queryset when built.
    broken = {
        first: st.fixed_dictionaries(
            {
                _key(form, name): bad[name]
                if name == first
                else st.one_of(good[name], bad[name])
                for name in fields
            }
        )
        for first in fields
    }
    return st.builds(
        _submission, _stray(form), st.sampled_from(list(fields)).flatmap(broken.get)
    )


def form_data(
    form: AnyForm, *, valid: Overrides = None, garbage: Overrides = None
) -> SearchStrategy[dict]:
    """Half wholly valid submissions, half with garbage in them."""
    # A coin rather than one_of: Hypothesis weighs one_of's branches by what
    # it has tried before, and the valid share drifted far from a half.
    wholly_valid = valid_data(form, valid=valid)
    with_garbage = mixed_data(form, valid=valid, garbage=garbage)
    return st.booleans().flatmap(lambda whole: wholly_valid if whole else with_garbage)


def valid_share(
    strategy: SearchStrategy[T], accepted: Callable[[T], bool], *, draws: int = 100
) -> float:
    """The share of ``draws`` submissions that ``accepted`` takes, measured
    with a fixed seed so that the figure is the same on every run."""
    outcomes: list[bool] = []

    @settings(
        max_examples=draws,
        derandomize=True,
        deadline=None,
        phases=[Phase.generate],
    )
    @given(strategy)
    def measure(drawn: T) -> None:
        outcomes.append(bool(accepted(drawn)))

    measure()
    return sum(outcomes) / len(outcomes)


# --- fresh state per example ---------------------------------------------------


def rolled_back(test: Callable[..., None]) -> Callable[..., None]:
    """Run each example in a savepoint that is rolled back afterwards, so that
    every example starts from the database as the test found it.  Goes
    between ``@given`` and the test function.

    What a function-scoped fixture built is then restored after every
    example, so such a test may take one (see :data:`FIXTURES_RESET`); an
    example must still read the rows it starts from out of the database, not
    trust a fixture's Python objects, which keep what an earlier example
    loaded into them.
    """

    @wraps(test)
    def example(*args: Any, **kwargs: Any) -> None:
        with transaction.atomic():
            test(*args, **kwargs)
            transaction.set_rollback(True)

    return example


# For tests whose examples run under ``rolled_back``: their function-scoped
# fixtures are restored after every example, which is what the health check
# would otherwise warn about.
FIXTURES_RESET = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])


def signed_in(user: User) -> Callable[[], HttpClient]:
    """Sign ``user`` in once; each call returns a new browser holding only
    that session, so no cookie (a pending message) passes between examples."""
    first = HttpClient()
    first.force_login(user)
    session = first.cookies[django_settings.SESSION_COOKIE_NAME].value

    def browser() -> HttpClient:
        fresh = HttpClient()
        fresh.cookies[django_settings.SESSION_COOKIE_NAME] = session
        return fresh

    return browser


def person(clinic: Clinic, *roles: str, **fields: Any) -> User:
    """A user holding ``roles`` in ``clinic``."""
    user = UserFactory(**fields)
    for role in roles:
        MembershipFactory(user=user, clinic=clinic, role=role)
    return user


def audit_writes() -> list[tuple[str, str, int | None, int | None]]:
    """Every audit event but reads, as (action, type, object id, actor id)."""
    return list(
        AuditEvent.objects.exclude(action=AuditAction.READ)
        .order_by("pk")
        .values_list("action", "object_type", "object_id", "actor_id")
    )


def as_posted(submitted: Mapping[str, Any]) -> QueryDict:
    """The submission as the page receives it: a list becomes a repeated
    field and an empty list no field at all.  A form bound to the plain dict
    would read a list, or an empty string, differently from the page."""
    posted = QueryDict(mutable=True)
    for key, value in submitted.items():
        values = value if isinstance(value, list | tuple) else [value]
        if values:
            posted.setlist(key, [str(item) for item in values])
    return posted


def assert_refused(response: HttpResponse, submitted: Mapping, *names: str) -> None:
    """The page came back (no redirect, no server error) with the bound
    form's errors, and shows those a person could have caused (not those of
    a hidden field, which only a hand-made request gets wrong).  A POST with
    no fields at all is read as a first visit: the form again, no errors."""
    assert response.status_code == 200, response.status_code
    if not as_posted(submitted):
        return
    forms_shown = [response.context[name] for name in names or ("form",)]
    errors = {
        (form, field): messages
        for form in forms_shown
        for field, messages in form.errors.items()
    }
    assert errors, "refused without an error on the form"
    visible = [
        message
        for (form, field), messages in errors.items()
        if field not in form.fields or not form[field].is_hidden
        for message in messages
    ]
    shown = response.content.decode()
    assert not visible or any(escape(message) in shown for message in visible), visible
