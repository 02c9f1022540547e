"""Session notes, addenda and co-signature pages.

Process notes and reflections live in :mod:`notes.process_note_views`.  Views are
thin: access, form, one service or selector call, render.  A refusal by the
rules (wrong password, signed note, draft without signature) changes nothing
and reaches the user through :func:`clinic.refusals.show_refusal`: beside the
form's field it names, above the form, or as a message when there is no form
to show it on.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from clinic import access
from clinic.access import AuthenticatedHttpRequest
from clinic.audit import audit_record
from clinic.models import AuditAction, Role
from clinic.reauth import password_confirmed
from clinic.refusals import Refused, show_refusal
from notes import selectors, services
from notes.forms import (
    AddendumForm,
    NoteForm,
    PasswordConfirmForm,
    PreferenceForm,
    ReturnForm,
)
from notes.models import FORMAT_SECTIONS, NoteFormat, NoteStatus, SessionNote


def _chosen_format(request: HttpRequest, default: str) -> str:
    value = request.POST.get("format") or request.GET.get("format")
    return value if value in NoteFormat.values else default


def _format_choices(chosen: str) -> list[tuple[str, str, bool]]:
    return [(code, label, code == chosen) for code, label in NoteFormat.choices]


def _password_confirmed(
    request: AuthenticatedHttpRequest,
    form: PasswordConfirmForm | AddendumForm,
    note: SessionNote,
) -> bool:
    """The password once more, counted and locked out as a sign-in is
    (:mod:`clinic.reauth`); the service checks it again."""
    if password_confirmed(request, form.cleaned_data["password"], obj=note):
        return True
    show_refusal(services.WrongPassword(), form=form)
    return False


def _session_start_default(now, zone):
    local = timezone.localtime(now, zone).replace(second=0, microsecond=0, tzinfo=None)
    return local.replace(minute=0)


@login_required
@require_http_methods(["GET", "POST"])
def note_create(request: AuthenticatedHttpRequest, client_id: int) -> HttpResponse:
    now = timezone.now()
    client = access.client_for_writing(request.user, client_id, on=now.date())
    # The form lists the client's agenda, reflections' words included.
    audit_record(
        actor=request.user,
        action=AuditAction.READ,
        obj=client,
        object_type="notes.agenda",
        client_id=client.pk,
        at=now,
        request=request,
    )
    note_format = _chosen_format(
        request, selectors.default_format_of(user=request.user)
    )
    zone = client.clinic.zone
    form = NoteForm(
        request.POST or None,
        note_format=note_format,
        zone=zone,
        now=now,
        agenda_items=selectors.agenda_of(client=client),
        initial={"session_at": _session_start_default(now, zone)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            note = services.note_create(
                actor=request.user,
                client=client,
                values=form.note_values(),
                discussed_keys=form.cleaned_data.get("discussed", []),
                now=now,
            )
        except ValidationError as error:
            show_refusal(error, form=form)
        else:
            messages.success(request, "Draft saved. Sign it when it is complete.")
            return redirect(note)
    return render(
        request,
        "notes/note_form.html",
        {
            "client": client,
            "form": form,
            "formats": _format_choices(note_format),
            "title": "New session note",
        },
    )


def _dropped_sections(note: SessionNote, note_format: str) -> list[str]:
    """Sections with text that switching to ``note_format`` would discard."""
    keep = FORMAT_SECTIONS[note_format]
    return [
        label
        for name, label, text in note.sections
        if name not in keep and text.strip()
    ]


@login_required
@require_http_methods(["GET", "POST"])
def note_edit(request: AuthenticatedHttpRequest, note_id: int) -> HttpResponse:
    now = timezone.now()
    note = selectors.note_for_editing(
        actor=request.user, note_id=note_id, now=now, request=request
    )
    if note.is_signed:
        show_refusal(services.NoteLocked(), request=request)
        return redirect(note)
    note_format = _chosen_format(request, note.format)
    zone = note.client.clinic.zone
    form = NoteForm(
        request.POST or None,
        note_format=note_format,
        zone=zone,
        now=now,
        agenda_items=selectors.agenda_of(client=note.client),
        initial=NoteForm.initial_from(note, zone),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.note_update(
                actor=request.user,
                note=note,
                values=form.note_values(),
                discussed_keys=form.cleaned_data.get("discussed", []),
                now=now,
            )
        except Refused as refusal:
            show_refusal(refusal, request=request)
            return redirect(note)
        except ValidationError as error:
            show_refusal(error, form=form)
        else:
            messages.success(request, "Draft saved.")
            return redirect(note)
    return render(
        request,
        "notes/note_form.html",
        {
            "client": note.client,
            "note": note,
            "form": form,
            "formats": _format_choices(note_format),
            "dropped": _dropped_sections(note, note_format),
            "returns": list(note.returns.select_related("returned_by")),
            "title": "Edit draft",
        },
    )


def _note_page_context(
    request: AuthenticatedHttpRequest, note: SessionNote, now
) -> dict:
    addenda = selectors.addenda_of(note=note)
    user = request.user
    is_author_writer = (
        note.author_id == user.pk
        and note.client.therapist_id == user.pk
        and access.has_role(user, Role.THERAPIST, note.client.clinic)
    )
    return {
        "note": note,
        "client": note.client,
        "addenda": addenda,
        "integrity": selectors.note_integrity(note, addenda),
        "returns": list(note.returns.select_related("returned_by")),
        "brought": list(note.reflections_brought.order_by("written_at")),
        "can_edit": is_author_writer and not note.is_signed,
        "can_addendum": services.can_add_addendum(actor=user, note=note),
        "can_cosign": note.status == NoteStatus.AWAITING_COSIGN
        and access.is_current_supervisor(
            user,
            supervisee_id=note.author_id,
            clinic_id=note.client.clinic_id,
            on=now.date(),
        ),
    }


@login_required
@require_GET
def note_detail(request: AuthenticatedHttpRequest, note_id: int) -> HttpResponse:
    now = timezone.now()
    note = selectors.note_for_reading(
        actor=request.user, note_id=note_id, now=now, request=request
    )
    return render(
        request, "notes/note_detail.html", _note_page_context(request, note, now)
    )


@login_required
@require_http_methods(["GET", "POST"])
def note_sign(request: AuthenticatedHttpRequest, note_id: int) -> HttpResponse:
    now = timezone.now()
    note = selectors.note_for_editing(
        actor=request.user, note_id=note_id, now=now, request=request
    )
    if note.is_signed:
        messages.info(request, "This note is already signed.")
        return redirect(note)
    form = PasswordConfirmForm(request.POST or None, submit_label="Sign and lock")
    if (
        request.method == "POST"
        and form.is_valid()
        and _password_confirmed(request, form, note)
    ):
        try:
            note = services.note_sign(
                actor=request.user,
                note=note,
                password=form.cleaned_data["password"],
                now=now,
            )
        except Refused as refusal:
            show_refusal(refusal, form=form)
        else:
            messages.success(
                request,
                "Signed. It now waits for your supervisor's co-signature."
                if note.status == NoteStatus.AWAITING_COSIGN
                else "Signed and locked.",
            )
            return redirect(note)
    context = _note_page_context(request, note, now)
    context.update(
        form=form,
        title="Sign and lock",
        explanation="After signing, the note cannot change: corrections become "
        "dated addenda.",
        missing=services.missing_sections(note),
        risk_missing=not note.risk_level,
    )
    return render(request, "notes/note_confirm.html", context)


def _require_supervisor(
    request: AuthenticatedHttpRequest, note: SessionNote, now
) -> None:
    if not access.is_current_supervisor(
        request.user,
        supervisee_id=note.author_id,
        clinic_id=note.client.clinic_id,
        on=now.date(),
    ):
        raise access.forbidden(request.user, "session-note-cosign", note.pk)


@login_required
@require_http_methods(["GET", "POST"])
def note_cosign(request: AuthenticatedHttpRequest, note_id: int) -> HttpResponse:
    now = timezone.now()
    note = selectors.note_for_reading(
        actor=request.user, note_id=note_id, now=now, request=request
    )
    _require_supervisor(request, note, now)
    if note.status != NoteStatus.AWAITING_COSIGN:
        messages.info(request, "This note is not awaiting co-signature.")
        return redirect(note)
    form = PasswordConfirmForm(request.POST or None, submit_label="Co-sign")
    if (
        request.method == "POST"
        and form.is_valid()
        and _password_confirmed(request, form, note)
    ):
        try:
            services.note_cosign(
                actor=request.user,
                note=note,
                password=form.cleaned_data["password"],
                now=now,
            )
        except Refused as refusal:
            show_refusal(refusal, form=form)
        else:
            messages.success(request, "Co-signed.")
            return redirect("notes:cosign_queue")
    context = _note_page_context(request, note, now)
    context.update(
        form=form,
        title="Co-sign",
        explanation="Co-signing confirms you have reviewed this note. If it needs "
        "changes, return it instead.",
        show_return_link=True,
    )
    return render(request, "notes/note_confirm.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def note_return(request: AuthenticatedHttpRequest, note_id: int) -> HttpResponse:
    now = timezone.now()
    note = selectors.note_for_reading(
        actor=request.user, note_id=note_id, now=now, request=request
    )
    _require_supervisor(request, note, now)
    if note.status != NoteStatus.AWAITING_COSIGN:
        messages.info(request, "Only a note awaiting co-signature can be returned.")
        return redirect(note)
    form = ReturnForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.note_return(
                actor=request.user,
                note=note,
                comment=form.cleaned_data["comment"],
                now=now,
            )
        except Refused as refusal:
            show_refusal(refusal, form=form)
        else:
            messages.success(request, "Returned to the author as a draft.")
            return redirect("notes:cosign_queue")
    context = _note_page_context(request, note, now)
    context.update(
        form=form,
        title="Return for revision",
        explanation="The signature is cleared and the note goes back to its author "
        "as a draft, with your comment. The return is kept on record.",
    )
    return render(request, "notes/note_confirm.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def addendum_create(request: AuthenticatedHttpRequest, note_id: int) -> HttpResponse:
    now = timezone.now()
    note = selectors.note_for_reading(
        actor=request.user, note_id=note_id, now=now, request=request
    )
    if request.user.pk not in (note.author_id, note.cosigned_by_id):
        raise access.forbidden(request.user, "addendum", note.pk)
    if not services.can_add_addendum(actor=request.user, note=note):
        messages.error(
            request,
            "Addenda go under a signed note."
            if not note.is_signed
            else "This note is awaiting co-signature; it takes no addendum yet.",
        )
        return redirect(note)
    form = AddendumForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and _password_confirmed(request, form, note)
    ):
        try:
            services.addendum_add(
                actor=request.user,
                note=note,
                text=form.cleaned_data["text"],
                password=form.cleaned_data["password"],
                now=now,
            )
        except Refused as refusal:
            show_refusal(refusal, form=form)
        else:
            messages.success(request, "Addendum signed and added.")
            return redirect(note)
    context = _note_page_context(request, note, now)
    context.update(form=form, title="Add an addendum")
    return render(request, "notes/note_confirm.html", context)


@login_required
@require_GET
def client_notes(request: AuthenticatedHttpRequest, client_id: int) -> HttpResponse:
    """All of a client's notes, metadata only."""
    now = timezone.now()
    client = access.client_for_reading(request.user, client_id, on=now.date())
    audit_record(
        actor=request.user,
        action=AuditAction.READ,
        obj=client,
        object_type="notes.sessionnote_list",
        client_id=client.pk,
        at=now,
        request=request,
    )
    return render(
        request,
        "notes/client_notes.html",
        {
            "client": client,
            "notes": selectors.notes_for_client(client=client),
            "can_write": client.therapist_id == request.user.pk,
        },
    )


@login_required
@require_GET
def cosign_queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    now = timezone.now()
    if not access.has_role(request.user, Role.SUPERVISOR):
        raise access.forbidden(request.user, "cosign-queue", None)
    return render(
        request,
        "notes/cosign_queue.html",
        {
            "queue": selectors.cosign_queue_entries(actor=request.user, now=now),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: AuthenticatedHttpRequest) -> HttpResponse:
    access.require_clinical_role(request.user)
    form = PreferenceForm(
        request.POST or None,
        initial={"default_format": selectors.default_format_of(user=request.user)},
    )
    if request.method == "POST" and form.is_valid():
        services.note_preference_set(
            actor=request.user,
            default_format=form.cleaned_data["default_format"],
            now=timezone.now(),
        )
        messages.success(request, "Your default note format is saved.")
        return redirect("notes:preferences")
    return render(request, "notes/preferences.html", {"form": form})
