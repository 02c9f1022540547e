"""Operator admin for notes: metadata only, read-only.

No content field (sections, addendum text, comments, reflection text) is
shown, nothing can be edited (see ``clinic.admin.MetadataOnlyAdmin``), and
process notes are not registered at all: they must not appear in any admin
page.
"""

from django.contrib import admin

from clinic.admin import MetadataOnlyAdmin
from notes.models import Addendum, NoteReturn, Reflection, SessionNote


@admin.register(SessionNote)
class SessionNoteAdmin(MetadataOnlyAdmin):
    list_display = ["pk", "client", "author", "session_at", "format", "status"]
    list_filter = ["status", "format"]
    fields = [
        "client",
        "author",
        "session_at",
        "format",
        "status",
        "signed_at",
        "signed_by",
        "cosigned_at",
        "cosigned_by",
    ]


@admin.register(Addendum)
class AddendumAdmin(MetadataOnlyAdmin):
    list_display = ["pk", "note", "author", "written_at"]
    fields = ["note", "author", "written_at"]


@admin.register(NoteReturn)
class NoteReturnAdmin(MetadataOnlyAdmin):
    list_display = ["pk", "note", "returned_by", "returned_at"]
    fields = ["note", "returned_by", "returned_at"]


@admin.register(Reflection)
class ReflectionAdmin(MetadataOnlyAdmin):
    list_display = ["pk", "client", "author", "written_at", "bring_to_next_session"]
    fields = ["client", "author", "written_at", "bring_to_next_session", "brought_in"]
