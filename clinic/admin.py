"""Django admin is the operator's tool: superusers only, never the clinic admin role."""

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest

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


def superuser_only(request: HttpRequest) -> bool:
    return request.user.is_active and request.user.is_superuser


# The default site is kept (every app registers on it) and two of its methods
# are replaced on the instance, which the stubs see as assigning to a method.
admin.site.has_permission = superuser_only  # type: ignore[method-assign]
# Operators sign in through allauth (lockout and two-factor), never the bare admin form.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]
admin.site.site_header = "Between operator admin"


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_active", "is_superuser"]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ["email", "full_name", "password"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser"]}),
    ]
    add_fieldsets = [
        (None, {"fields": ["email", "full_name", "password1", "password2"]})
    ]
    filter_horizontal = ()
    list_filter = ["is_active", "is_superuser"]


admin.site.register(Clinic, list_display=["name", "slug", "timezone"])
admin.site.register(
    Membership, list_display=["user", "clinic", "role"], list_filter=["role"]
)
admin.site.register(
    Supervision,
    list_display=[
        "supervisor",
        "supervisee",
        "started_on",
        "ended_on",
        "cosign_required",
    ],
)
admin.site.register(
    Client,
    list_display=["code", "clinic", "therapist", "status"],
    list_filter=["status"],
)
admin.site.register(
    Absence, list_display=["therapist", "starts_on", "ends_on", "covering_therapist"]
)
admin.site.register(ContactPolicy, list_display=["clinic", "client", "weekly_limit"])


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = [
        "at",
        "actor",
        "action",
        "object_type",
        "object_id",
        "client_id",
        "ip",
    ]
    list_filter = ["action", "object_type"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
