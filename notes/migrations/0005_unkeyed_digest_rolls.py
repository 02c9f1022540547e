"""The rolls of unkeyed digests: every row signed before keyed signatures
(0004 marked them "sha256"), listed once under SIGNATURE_HMAC_KEY, so that
no row can be relabelled as unkeyed later (notes/signature_hashes.py)."""

import django.contrib.postgres.fields
from django.db import migrations, models


def roll_the_unkeyed(apps, schema_editor):
    from notes.signature_hashes import roll_mac

    alias = schema_editor.connection.alias
    Roll = apps.get_model("notes", "UnkeyedDigestRoll")
    for kind, model in (("note", "SessionNote"), ("addendum", "Addendum")):
        rows = apps.get_model("notes", model).objects.using(alias)
        ids = sorted(
            rows.filter(digest_scheme="sha256")
            .exclude(content_sha256="")
            .values_list("pk", flat=True)
        )
        Roll.objects.using(alias).create(kind=kind, ids=ids, mac=roll_mac(kind, ids))


class Migration(migrations.Migration):
    dependencies = [
        ("notes", "0004_signature_digest_scheme"),
    ]

    operations = [
        migrations.CreateModel(
            name="UnkeyedDigestRoll",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True,
                        primary_key=True,
                        serialize=False,
                        verbose_name="ID",
                    ),
                ),
                ("kind", models.CharField(max_length=16)),
                (
                    "ids",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.BigIntegerField(), size=None
                    ),
                ),
                ("mac", models.CharField(max_length=64)),
            ],
            options={
                "default_permissions": (),
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("kind__in", ["note", "addendum"])),
                        name="unkeyed_roll_kind",
                    )
                ],
            },
        ),
        migrations.RunPython(roll_the_unkeyed, migrations.RunPython.noop),
    ]
