"""The audit log becomes a hash chain: ``seq`` and ``mac`` on every row.

Rows written before the chain are chained here in id order (their insertion
order), with the key from the settings: the key is needed to compute a mac,
and it is never stored in the database.  The append-only trigger is lifted for
this one update only, as the owner may.
"""

from django.conf import settings
from django.db import migrations, models

BATCH = 2000

# The chain's lock and head in one round trip (clinic.audit.chain_link).  A
# VOLATILE function takes a fresh snapshot for each statement it runs, so the
# head is read after the lock is granted and includes the rows of the
# transaction that held it before.
HEAD_FUNCTION = """
CREATE OR REPLACE FUNCTION clinic_audit_chain_head(lock_key bigint)
RETURNS TABLE (head_at timestamptz, head_seq bigint, head_mac varchar)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(lock_key);
    RETURN QUERY
        SELECT clock_timestamp(), last.seq, last.mac
        FROM (SELECT 1) AS here
        LEFT JOIN (
            SELECT event.seq, event.mac FROM clinic_auditevent AS event
            ORDER BY event.seq DESC LIMIT 1
        ) AS last ON true;
END
$$;
"""


def chain_existing_rows(apps, schema_editor):
    from clinic.audit import GENESIS_MAC, chain_mac

    AuditEvent = apps.get_model("clinic", "AuditEvent")
    events = AuditEvent.objects.using(schema_editor.connection.alias)
    key = settings.AUDIT_HMAC_KEY
    previous, seq, last_id = GENESIS_MAC, 0, 0
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE clinic_auditevent DISABLE TRIGGER USER")
    while batch := list(events.filter(id__gt=last_id).order_by("id")[:BATCH]):
        for event in batch:
            seq += 1
            event.seq = seq
            event.mac = previous = chain_mac(key=key, row=event, previous=previous)
        events.bulk_update(batch, ["seq", "mac"])
        last_id = batch[-1].id
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("ALTER TABLE clinic_auditevent ENABLE TRIGGER USER")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


class Migration(migrations.Migration):
    dependencies = [
        ("clinic", "0004_supervision_acceptance"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="seq",
            field=models.BigIntegerField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="mac",
            field=models.CharField(editable=False, max_length=64, null=True),
        ),
        migrations.RunPython(chain_existing_rows, migrations.RunPython.noop),
        migrations.RunSQL(
            HEAD_FUNCTION,
            "DROP FUNCTION IF EXISTS clinic_audit_chain_head(bigint)",
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="seq",
            field=models.BigIntegerField(editable=False, unique=True),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="mac",
            field=models.CharField(editable=False, max_length=64),
        ),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.CheckConstraint(
                condition=models.Q(("seq__gte", 1)), name="audit_seq_positive"
            ),
        ),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.CheckConstraint(
                condition=models.Q(("mac__regex", "^[0-9a-f]{64}$")),
                name="audit_mac_is_hex",
            ),
        ),
    ]
