"""The admin's per-client policy overrides and the coping plans' free-text
"contact agreement" become the first versions of each client's
between-sessions agreement; nothing is lost.

For each client, every moment something was agreed becomes a version, in
order: the override's creation (its terms, reply window, crisis steps and the
reason the admin gave) and every coping-plan version with agreement text (its
words).  Each version carries the terms in force at that moment (the
override's once it existed, else the clinic's frame) and the latest words.  A
version takes effect when what it records was written, so every contact is
still judged against what was agreed at its time.

The override's creation is read from its history (pghistory); an override
with no history is dated by its last change.  Migrated versions were set by
the clinic itself, so they need no supervisor's approval
(``wider_than_frame`` stays false); the treating therapist is their author.
The overrides themselves are removed by clinic 0012, which runs after this.
Reversing leaves the agreements in place (0012's reversal drops them); the
overrides and the plans' words are not rebuilt.
"""

from django.db import migrations

REASON_NOTE = "Recorded when the clinic set these boundaries: {reason}"


def _terms(policy):
    return {
        "allowed_channels": list(policy.allowed_channels),
        "contact_hours": dict(policy.contact_hours),
        "weekly_limit": policy.weekly_limit,
        "reply_hours": policy.response_window_hours,
        "after_ending_allowed": policy.after_ending_allowed,
    }


def agreements_from_overrides_and_plans(apps, schema_editor):
    ContactPolicy = apps.get_model("clinic", "ContactPolicy")
    ContactPolicyEvent = apps.get_model("clinic", "ContactPolicyEvent")
    Client = apps.get_model("clinic", "Client")
    CopingPlan = apps.get_model("attachment", "CopingPlan")
    ContactAgreement = apps.get_model("attachment", "ContactAgreement")

    frames = {
        policy.clinic_id: policy
        for policy in ContactPolicy.objects.filter(client__isnull=True)
    }
    overrides = {
        policy.client_id: policy
        for policy in ContactPolicy.objects.filter(client__isnull=False)
    }
    created = {}
    for event in ContactPolicyEvent.objects.filter(
        pgh_obj_id__in=[policy.pk for policy in overrides.values()]
    ).order_by("pgh_created_at"):
        created.setdefault(event.pgh_obj_id, event.pgh_created_at)
    words = {}
    for plan in CopingPlan.objects.exclude(contact_agreement="").order_by(
        "client_id", "version"
    ):
        words.setdefault(plan.client_id, []).append(
            (plan.written_at, plan.contact_agreement)
        )

    rows = []
    client_ids = set(overrides) | set(words)
    for client in Client.objects.filter(pk__in=client_ids).order_by("pk"):
        override = overrides.get(client.pk)
        moments = []  # (when, kind, payload); an override first at a tie
        if override is not None:
            when = created.get(override.pk, override.updated_at)
            moments.append((when, 0, override))
        for when, text in words.get(client.pk, []):
            moments.append((when, 1, text))
        moments.sort(key=lambda moment: (moment[0], moment[1]))
        frame = frames.get(client.clinic_id)
        in_force = frame
        latest_words = ""
        crisis_route = ""
        reason = ""
        for version, (when, kind, payload) in enumerate(moments, start=1):
            if kind == 0:
                in_force = payload
                crisis_route = payload.crisis_instructions
                reason = payload.reason.strip()
            else:
                latest_words = payload
            terms = (
                _terms(in_force)
                if in_force is not None
                else {
                    "allowed_channels": [],
                    "contact_hours": {},
                    "weekly_limit": None,
                    "reply_hours": 24,
                    "after_ending_allowed": False,
                }
            )
            in_our_words = latest_words
            if reason:
                note = REASON_NOTE.format(reason=reason)
                in_our_words = f"{in_our_words}\n\n{note}" if in_our_words else note
            rows.append(
                ContactAgreement(
                    client_id=client.pk,
                    version=version,
                    effective_from=when,
                    written_at=when,
                    author_id=client.therapist_id,
                    in_our_words=in_our_words,
                    crisis_route=crisis_route,
                    **terms,
                )
            )
    ContactAgreement.objects.bulk_create(rows, batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("attachment", "0012_agreements_safety_plans_and_alerts"),
        ("clinic", "0011_client_time_zone_crisis_lines_and_reply"),
    ]
    run_before = [("clinic", "0012_frame_only_contact_policy")]

    operations = [
        migrations.RunPython(
            agreements_from_overrides_and_plans,
            migrations.RunPython.noop,
            elidable=False,
        ),
        # The fact was renamed (0012); flags keep their evidence under its
        # name.  Only when there is something to rename: the history trigger
        # fires for a statement even with no rows, and on a new database the
        # function it calls is installed only after the migrations.
        migrations.RunSQL(
            """
            DO $$
            BEGIN
              IF EXISTS (SELECT 1 FROM attachment_flag
                          WHERE evidence ? 'channel_outside_policy') THEN
                UPDATE attachment_flag
                   SET evidence = (evidence - 'channel_outside_policy')
                       || jsonb_build_object(
                            'outside_agreement', evidence -> 'channel_outside_policy')
                 WHERE evidence ? 'channel_outside_policy';
              END IF;
            END
            $$
            """,
            migrations.RunSQL.noop,
            elidable=False,
        ),
    ]
