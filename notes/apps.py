from django.apps import AppConfig


class NotesConfig(AppConfig):
    name = "notes"
    verbose_name = "Session notes"

    def ready(self) -> None:
        from notes.integration import register

        register()

    def database_guards(self) -> list:
        from notes.guards import signed_note_guards

        return signed_note_guards()
