from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save


class ClinicConfig(AppConfig):
    name = "clinic"
    verbose_name = "Clinic: people, clients and policies"

    def ready(self) -> None:
        from clinic.access import memberships_forget
        from clinic.models import Membership

        post_migrate.connect(secure_the_database, sender=self)
        # A role given or taken away within a request counts at once.
        post_save.connect(memberships_forget, sender=Membership)
        post_delete.connect(memberships_forget, sender=Membership)


def secure_the_database(*, using: str, **kwargs: Any) -> None:
    """After every ``migrate``: the guards on every table, and the
    application role's grants (clinic/database_guards.py, database_roles.py).

    ``flush`` sends the same signal without a plan; a flush empties rows and
    leaves triggers and grants as they were, so there is nothing to do then.
    """
    if kwargs.get("plan") is None:
        return
    from django.conf import settings
    from django.db import connections

    from clinic.database_guards import install_guards
    from clinic.database_roles import grant_application_role

    connection = connections[using]
    install_guards(connection)
    if settings.DATABASE_APP_ROLE:
        grant_application_role(connection, settings.DATABASE_APP_ROLE)
