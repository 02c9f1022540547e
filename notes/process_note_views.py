"""Process notes (private to their author) and between-session reflections.

Process notes have only these URLs.  Anybody but the author (or, where the
clinic allows it, a trainee's supervisor) gets 404 for them, the admin
included, so their existence does not leak.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from clinic import access
from clinic.access import AuthenticatedHttpRequest
from clinic.audit import audit_record
from clinic.models import AuditAction
from clinic.refusals import Refused, show_refusal
from notes import selectors, services
from notes.forms import ReflectionForm, TextForm


@login_required
@require_GET
def process_note_list(
    request: AuthenticatedHttpRequest, client_id: int
) -> HttpResponse:
    now = timezone.now()
    shelf = selectors.process_note_shelf(
        actor=request.user, client_id=client_id, on=now.date()
    )
    audit_record(
        actor=request.user,
        action=AuditAction.READ,
        obj=shelf.client,
        object_type="notes.processnote_list",
        client_id=shelf.client.pk,
        at=now,
        request=request,
    )
    return render(
        request,
        "notes/process_note_list.html",
        {
            "client": shelf.client,
            "shelf": shelf,
            "process_notes": list(selectors.process_notes_on_shelf(shelf=shelf)),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def process_note_create(
    request: AuthenticatedHttpRequest, client_id: int
) -> HttpResponse:
    now = timezone.now()
    client = access.client_for_writing(request.user, client_id, on=now.date())
    form = TextForm(request.POST or None, submit_label="Save process note")
    if request.method == "POST" and form.is_valid():
        note = services.process_note_create(
            actor=request.user, client=client, text=form.cleaned_data["text"], now=now
        )
        messages.success(request, "Process note saved. Only you can read it.")
        return redirect("notes:process_note", note.pk)
    return render(
        request,
        "notes/process_note_form.html",
        {"client": client, "form": form, "title": "New process note"},
    )


@login_required
@require_GET
def process_note_detail(
    request: AuthenticatedHttpRequest, note_id: int
) -> HttpResponse:
    now = timezone.now()
    note = selectors.process_note_for_reading(
        actor=request.user, note_id=note_id, now=now, request=request
    )
    return render(
        request,
        "notes/process_note_detail.html",
        {
            "process_note": note,
            "client": note.client,
            "can_edit": note.author_id == request.user.pk
            and note.client.therapist_id == request.user.pk,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def process_note_edit(request: AuthenticatedHttpRequest, note_id: int) -> HttpResponse:
    now = timezone.now()
    note = selectors.process_note_for_editing(
        actor=request.user, note_id=note_id, now=now, request=request
    )
    form = TextForm(
        request.POST or None, initial={"text": note.text}, submit_label="Save"
    )
    if request.method == "POST" and form.is_valid():
        services.process_note_update(
            actor=request.user, note=note, text=form.cleaned_data["text"], now=now
        )
        messages.success(request, "Process note saved.")
        return redirect("notes:process_note", note.pk)
    return render(
        request,
        "notes/process_note_form.html",
        {"client": note.client, "form": form, "title": "Edit process note"},
    )


@login_required
@require_http_methods(["GET", "POST"])
def reflection_create(
    request: AuthenticatedHttpRequest, client_id: int
) -> HttpResponse:
    now = timezone.now()
    client = access.client_for_writing(request.user, client_id, on=now.date())
    form = ReflectionForm(request.POST or None, submit_label="Save reflection")
    if request.method == "POST" and form.is_valid():
        services.reflection_create(
            actor=request.user,
            client=client,
            text=form.cleaned_data["text"],
            bring_to_next_session=form.cleaned_data["bring_to_next_session"],
            now=now,
        )
        messages.success(request, "Reflection saved.")
        return redirect(client)
    return render(
        request,
        "notes/reflection_form.html",
        {"client": client, "form": form, "title": "New reflection"},
    )


@login_required
@require_http_methods(["GET", "POST"])
def reflection_edit(
    request: AuthenticatedHttpRequest, reflection_id: int
) -> HttpResponse:
    now = timezone.now()
    reflection = selectors.reflection_for_editing(
        actor=request.user, reflection_id=reflection_id, on=now.date()
    )
    client = reflection.client
    if reflection.brought_in_id is not None:
        show_refusal(services.ReflectionKept(), request=request)
        return redirect(client)
    # The form shows the reflection's text.
    audit_record(
        actor=request.user,
        action=AuditAction.READ,
        obj=reflection,
        at=now,
        request=request,
    )
    form = ReflectionForm(
        request.POST or None,
        initial={
            "text": reflection.text,
            "bring_to_next_session": reflection.bring_to_next_session,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.reflection_update(
                actor=request.user,
                reflection=reflection,
                text=form.cleaned_data["text"],
                bring_to_next_session=form.cleaned_data["bring_to_next_session"],
                now=now,
            )
        except Refused as refusal:
            show_refusal(refusal, request=request)
        else:
            messages.success(request, "Reflection saved.")
        return redirect(client)
    return render(
        request,
        "notes/reflection_form.html",
        {"client": client, "form": form, "title": "Edit reflection"},
    )
