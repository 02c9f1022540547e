"""Django admin is the operator's tool: superusers only, never the clinic admin role.

The operator sees metadata (ids, people, dates, codes and numbers) and may
look after accounts and schedules; nothing else.  Every clinic and clinical
record is read-only here, shown without its text: records change on
Between's own pages, whose services check scope and write the audit trail.
On an account the operator may clear or set the active flag (clearing it goes
through :func:`clinic.services.user_deactivate`) and send a password-reset
e-mail to the account's own address; they may never set a password, change
an address or grant a role, since any of those could let them sign in as
someone who reads clinical text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

# Imported before their registrations are replaced below: admin discovery
# reaches this app before allauth's.
import allauth.account.admin  # noqa: F401
import allauth.mfa.admin  # noqa: F401
from allauth.account.decorators import secure_admin_login
from allauth.account.forms import ResetPasswordForm
from allauth.account.models import EmailAddress, EmailConfirmation
from allauth.mfa.models import Authenticator
from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from clinic.models import (
    Absence,
    AuditEvent,
    Client,
    Clinic,
    ContactPolicy,
    Membership,
    Supervision,
    User,
)
from clinic.services import user_deactivate


def superuser_only(request: HttpRequest) -> bool:
    return request.user.is_active and request.user.is_superuser


# The default site is kept (every app registers on it) and two of its methods
# are replaced on the instance, which the stubs see as assigning to a method.
admin.site.has_permission = superuser_only  # type: ignore[method-assign]
# Operators sign in through allauth (lockout and two-factor), never the bare admin form.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]
admin.site.site_header = "Between operator admin"


class MetadataOnlyAdmin(admin.ModelAdmin):
    """Lists and shows what ``fields`` names, read-only; never adds, changes
    or deletes.

    A subclass names every field it shows: a field left out (any text a
    person wrote) appears on no page, and with no change permission a POST to
    the change page is refused (403).
    """

    def get_readonly_fields(
        self, request: HttpRequest, obj: Model | None = None
    ) -> Any:
        return self.fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: Model | None = None
    ) -> bool:
        return False

    def has_delete_permission(
        self, request: HttpRequest, obj: Model | None = None
    ) -> bool:
        return False


def register_metadata(
    model: type[Model],
    *,
    list_display: list[str],
    fields: list[str],
    list_filter: Sequence[str] = (),
) -> None:
    """Register ``model`` with a read-only admin showing ``fields`` alone."""
    admin.site.register(
        model,
        type(
            f"{model.__name__}Admin",
            (MetadataOnlyAdmin,),
            {
                "__module__": __name__,
                "list_display": list_display,
                "list_filter": list_filter,
                "fields": fields,
            },
        ),
    )


# --- accounts -------------------------------------------------------------


class AccountCreationForm(forms.ModelForm):
    """A new account gets no password: its owner chooses one through the
    reset e-mail, so the operator never knows it."""

    class Meta:
        model = User
        fields = ["email", "full_name"]

    def save(self, commit: bool = True) -> User:
        user = super().save(commit=False)
        user.set_unusable_password()
        if commit:
            user.save()
        return user


ACCOUNT_FIELDS = ("email", "full_name")
ACCESS_FIELDS = ("is_active", "is_staff", "is_superuser", "last_login", "date_joined")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_active", "is_superuser"]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ACCOUNT_FIELDS}),
        ("Access", {"fields": ACCESS_FIELDS}),
    ]
    add_form = AccountCreationForm
    add_fieldsets = [(None, {"fields": ACCOUNT_FIELDS})]
    filter_horizontal = ()
    list_filter = ["is_active", "is_superuser"]
    actions = ["send_password_reset"]

    def get_readonly_fields(
        self, request: HttpRequest, obj: Model | None = None
    ) -> list[str]:
        """Only the active flag changes on an existing account."""
        if obj is None:
            return []
        return [
            name for name in (*ACCOUNT_FIELDS, *ACCESS_FIELDS) if name != "is_active"
        ]

    def has_delete_permission(
        self, request: HttpRequest, obj: Model | None = None
    ) -> bool:
        """Accounts are deactivated, never deleted: records and the audit
        trail name them."""
        return False

    def save_model(
        self, request: HttpRequest, obj: User, form: forms.ModelForm, change: bool
    ) -> None:
        """Clearing the active flag goes through the service, which also ends
        every open session and writes the audit event."""
        if change and "is_active" in form.changed_data and not obj.is_active:
            if not isinstance(request.user, User):  # the site admits superusers only
                raise PermissionDenied
            user_deactivate(actor=request.user, user=obj, now=timezone.now())
        else:
            super().save_model(request, obj, form, change)

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> Any:
        """Setting someone's password would let the operator sign in as them."""
        raise PermissionDenied

    @admin.action(description="Send a password-reset e-mail", permissions=["change"])
    def send_password_reset(self, request: HttpRequest, queryset: QuerySet) -> None:
        """The link goes to the account's own address: the operator starts a
        reset but never sees or sets the password."""
        sent = 0
        for user in queryset.filter(is_active=True):
            form = ResetPasswordForm(data={"email": user.email})
            if form.is_valid():
                form.save(request)
                sent += 1
        self.message_user(
            request, f"Password-reset e-mails sent: {sent}.", messages.SUCCESS
        )


# allauth's own admins let an address be changed or marked verified (and
# with it a reset e-mail redirected), and show an authenticator's secret.
for _model in (EmailAddress, EmailConfirmation, Authenticator):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
register_metadata(
    EmailAddress,
    list_display=["email", "user", "primary", "verified"],
    list_filter=("primary", "verified"),
    fields=["email", "user", "primary", "verified"],
)
register_metadata(
    Authenticator,
    list_display=["user", "type", "created_at", "last_used_at"],
    list_filter=("type",),
    fields=["user", "type", "created_at", "last_used_at"],
)


# --- the clinic -----------------------------------------------------------

register_metadata(
    Clinic,
    list_display=["name", "slug", "timezone"],
    fields=["name", "slug", "timezone", "supervisors_read_trainee_process_notes"],
)
register_metadata(
    Membership,
    list_display=["user", "clinic", "role"],
    list_filter=("role",),
    fields=["user", "clinic", "role"],
)
register_metadata(
    Supervision,
    list_display=["supervisor", "supervisee", "started_on", "ended_on"],
    fields=[
        "clinic",
        "supervisor",
        "supervisee",
        "started_on",
        "ended_on",
        "cosign_required",
    ],
)
# The code is a pseudonym; the preferred name is left out.
register_metadata(
    Client,
    list_display=["code", "clinic", "therapist", "status"],
    list_filter=("status",),
    fields=["code", "clinic", "therapist", "status", "started_on", "ended_on"],
)
register_metadata(
    Absence,
    list_display=["therapist", "starts_on", "ends_on", "covering_therapist"],
    fields=["clinic", "therapist", "starts_on", "ends_on", "covering_therapist"],
)
# The clinic's frame: numbers and channels only; the hours (free JSON) are
# left out.
register_metadata(
    ContactPolicy,
    list_display=["clinic", "weekly_limit"],
    fields=[
        "clinic",
        "allowed_channels",
        "weekly_limit",
        "response_window_hours",
        "crisis_reply_minutes",
        "after_ending_allowed",
        "updated_at",
    ],
)
register_metadata(
    AuditEvent,
    list_display=[
        "at",
        "actor",
        "action",
        "object_type",
        "object_id",
        "client_id",
        "ip",
    ],
    list_filter=("action", "object_type"),
    fields=[
        "at",
        "actor",
        "clinic",
        "action",
        "object_type",
        "object_id",
        "client_id",
        "ip",
    ],
)
