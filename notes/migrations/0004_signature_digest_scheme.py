"""Every signature digest names its scheme: ``digest_scheme``.

Each digest stored so far is a plain SHA-256, so the column is added with
"sha256" as the value of every existing row (and history row): ADD COLUMN
fills them without an UPDATE, so no guard or history trigger fires and no
digest is rewritten.  Drafts then name the scheme their signature will use,
like every new row (notes/signature_hashes.py).
"""

import pgtrigger.compiler
import pgtrigger.migrations
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('clinic', '0007_guards_replace_pgtrigger_protection'),
        ('notes', '0003_guards_replace_pgtrigger_protection'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        pgtrigger.migrations.RemoveTrigger(
            model_name='addendum',
            name='insert_insert',
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name='addendum',
            name='update_update',
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name='addendum',
            name='delete_delete',
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name='sessionnote',
            name='insert_insert',
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name='sessionnote',
            name='update_update',
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name='sessionnote',
            name='delete_delete',
        ),
        migrations.AddField(
            model_name='addendum',
            name='digest_scheme',
            field=models.CharField(choices=[('sha256', 'SHA-256'), ('hmac-sha256', 'HMAC-SHA256')], default='sha256', editable=False, max_length=16),
        ),
        migrations.AddField(
            model_name='addendumevent',
            name='digest_scheme',
            field=models.CharField(choices=[('sha256', 'SHA-256'), ('hmac-sha256', 'HMAC-SHA256')], default='sha256', editable=False, max_length=16),
        ),
        migrations.AddField(
            model_name='sessionnote',
            name='digest_scheme',
            field=models.CharField(choices=[('sha256', 'SHA-256'), ('hmac-sha256', 'HMAC-SHA256')], default='sha256', editable=False, max_length=16),
        ),
        migrations.AddField(
            model_name='sessionnoteevent',
            name='digest_scheme',
            field=models.CharField(choices=[('sha256', 'SHA-256'), ('hmac-sha256', 'HMAC-SHA256')], default='sha256', editable=False, max_length=16),
        ),
        migrations.AlterField(
            model_name='addendum',
            name='digest_scheme',
            field=models.CharField(choices=[('sha256', 'SHA-256'), ('hmac-sha256', 'HMAC-SHA256')], default='hmac-sha256', editable=False, max_length=16),
        ),
        migrations.AlterField(
            model_name='addendumevent',
            name='digest_scheme',
            field=models.CharField(choices=[('sha256', 'SHA-256'), ('hmac-sha256', 'HMAC-SHA256')], default='hmac-sha256', editable=False, max_length=16),
        ),
        migrations.AlterField(
            model_name='sessionnote',
            name='digest_scheme',
            field=models.CharField(choices=[('sha256', 'SHA-256'), ('hmac-sha256', 'HMAC-SHA256')], default='hmac-sha256', editable=False, max_length=16),
        ),
        migrations.AlterField(
            model_name='sessionnoteevent',
            name='digest_scheme',
            field=models.CharField(choices=[('sha256', 'SHA-256'), ('hmac-sha256', 'HMAC-SHA256')], default='hmac-sha256', editable=False, max_length=16),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='addendum',
            trigger=pgtrigger.compiler.Trigger(name='insert_insert', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "notes_addendumevent" ("author_id", "content_sha256", "digest_scheme", "id", "note_id", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "text", "written_at") VALUES (NEW."author_id", NEW."content_sha256", NEW."digest_scheme", NEW."id", NEW."note_id", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'insert\', NEW."id", NEW."text", NEW."written_at"); RETURN NULL;', hash='d3c11ac6f4840119472e2c680600573e0c917868', operation='INSERT', pgid='pgtrigger_insert_insert_cae1e', table='notes_addendum', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='addendum',
            trigger=pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD.* IS DISTINCT FROM NEW.*)', func='INSERT INTO "notes_addendumevent" ("author_id", "content_sha256", "digest_scheme", "id", "note_id", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "text", "written_at") VALUES (NEW."author_id", NEW."content_sha256", NEW."digest_scheme", NEW."id", NEW."note_id", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'update\', NEW."id", NEW."text", NEW."written_at"); RETURN NULL;', hash='c1aa9bcaf91cc85f5bb8c706d40b695e25c85c06', operation='UPDATE', pgid='pgtrigger_update_update_ad1ba', table='notes_addendum', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='addendum',
            trigger=pgtrigger.compiler.Trigger(name='delete_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "notes_addendumevent" ("author_id", "content_sha256", "digest_scheme", "id", "note_id", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "text", "written_at") VALUES (OLD."author_id", OLD."content_sha256", OLD."digest_scheme", OLD."id", OLD."note_id", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'delete\', OLD."id", OLD."text", OLD."written_at"); RETURN NULL;', hash='4e1ef66f688dd221d5d5700a3d0dc2c59c254bb4', operation='DELETE', pgid='pgtrigger_delete_delete_017ff', table='notes_addendum', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='sessionnote',
            trigger=pgtrigger.compiler.Trigger(name='insert_insert', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "notes_sessionnoteevent" ("assessment", "attendance", "author_id", "behaviour", "client_id", "content_sha256", "cosigned_at", "cosigned_by_id", "created_at", "data", "digest_scheme", "duration_minutes", "format", "free_text", "id", "intervention", "modality", "objective", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "plan", "response", "session_at", "signed_at", "signed_by_id", "status", "subjective", "updated_at") VALUES (NEW."assessment", NEW."attendance", NEW."author_id", NEW."behaviour", NEW."client_id", NEW."content_sha256", NEW."cosigned_at", NEW."cosigned_by_id", NEW."created_at", NEW."data", NEW."digest_scheme", NEW."duration_minutes", NEW."format", NEW."free_text", NEW."id", NEW."intervention", NEW."modality", NEW."objective", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'insert\', NEW."id", NEW."plan", NEW."response", NEW."session_at", NEW."signed_at", NEW."signed_by_id", NEW."status", NEW."subjective", NEW."updated_at"); RETURN NULL;', hash='83edbcfb2dc1c015ef46cb1b85880226c32d9b20', operation='INSERT', pgid='pgtrigger_insert_insert_f82f1', table='notes_sessionnote', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='sessionnote',
            trigger=pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD.* IS DISTINCT FROM NEW.*)', func='INSERT INTO "notes_sessionnoteevent" ("assessment", "attendance", "author_id", "behaviour", "client_id", "content_sha256", "cosigned_at", "cosigned_by_id", "created_at", "data", "digest_scheme", "duration_minutes", "format", "free_text", "id", "intervention", "modality", "objective", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "plan", "response", "session_at", "signed_at", "signed_by_id", "status", "subjective", "updated_at") VALUES (NEW."assessment", NEW."attendance", NEW."author_id", NEW."behaviour", NEW."client_id", NEW."content_sha256", NEW."cosigned_at", NEW."cosigned_by_id", NEW."created_at", NEW."data", NEW."digest_scheme", NEW."duration_minutes", NEW."format", NEW."free_text", NEW."id", NEW."intervention", NEW."modality", NEW."objective", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'update\', NEW."id", NEW."plan", NEW."response", NEW."session_at", NEW."signed_at", NEW."signed_by_id", NEW."status", NEW."subjective", NEW."updated_at"); RETURN NULL;', hash='192994c3e144c4536d8d34b45d77fe8aa2740daa', operation='UPDATE', pgid='pgtrigger_update_update_2a21b', table='notes_sessionnote', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='sessionnote',
            trigger=pgtrigger.compiler.Trigger(name='delete_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "notes_sessionnoteevent" ("assessment", "attendance", "author_id", "behaviour", "client_id", "content_sha256", "cosigned_at", "cosigned_by_id", "created_at", "data", "digest_scheme", "duration_minutes", "format", "free_text", "id", "intervention", "modality", "objective", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "plan", "response", "session_at", "signed_at", "signed_by_id", "status", "subjective", "updated_at") VALUES (OLD."assessment", OLD."attendance", OLD."author_id", OLD."behaviour", OLD."client_id", OLD."content_sha256", OLD."cosigned_at", OLD."cosigned_by_id", OLD."created_at", OLD."data", OLD."digest_scheme", OLD."duration_minutes", OLD."format", OLD."free_text", OLD."id", OLD."intervention", OLD."modality", OLD."objective", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'delete\', OLD."id", OLD."plan", OLD."response", OLD."session_at", OLD."signed_at", OLD."signed_by_id", OLD."status", OLD."subjective", OLD."updated_at"); RETURN NULL;', hash='39ea158edce96c212737382ffc129f5429d84010', operation='DELETE', pgid='pgtrigger_delete_delete_5ea58', table='notes_sessionnote', when='AFTER')),
        ),
        migrations.RunSQL(
            "UPDATE notes_sessionnote SET digest_scheme = 'hmac-sha256' "
            "WHERE content_sha256 = ''",
            migrations.RunSQL.noop,
        ),
        migrations.AddConstraint(
            model_name='addendum',
            constraint=models.CheckConstraint(condition=models.Q(('digest_scheme__in', ['sha256', 'hmac-sha256'])), name='addendum_digest_scheme_known'),
        ),
        migrations.AddConstraint(
            model_name='sessionnote',
            constraint=models.CheckConstraint(condition=models.Q(('digest_scheme__in', ['sha256', 'hmac-sha256'])), name='session_note_digest_scheme_known'),
        ),
    ]
