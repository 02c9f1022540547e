from django.apps import AppConfig


class AttachmentConfig(AppConfig):
    name = "attachment"
    verbose_name = "Between-session records"

    def ready(self) -> None:
        """Add this app's panels, agenda items, caseload column and demo part
        to the lower apps' registries (they never import this app)."""
        from attachment.addresses.integration import register_addresses_integrations
        from attachment.agreements.admin_integration import (
            register_agreement_admin_integrations,
        )
        from attachment.agreements.integration import register_agreements_integrations
        from attachment.alerts.integration import register_alerts_integrations
        from attachment.cover.integration import register_cover_integrations
        from attachment.demo import ingestion as ingestion_demo
        from attachment.demo import seed as demo
        from attachment.demo import supervision as supervision_demo
        from attachment.fhir.integration import register_fhir_integrations
        from attachment.ingestion import classify_views
        from attachment.oversight.integration import register_oversight_integrations
        from attachment.records import selectors, views
        from attachment.records.agenda import ContactAgenda, RuptureAgenda
        from attachment.retention.integration import register_retention_integrations
        from attachment.review.integration import register_review_integrations
        from attachment.safety.integration import register_safety_integrations
        from attachment.supervision.integration import register_supervision_integrations
        from attachment.unmatched.integration import register_unmatched_integrations
        from clinic import extensions
        from notes.agenda import register_agenda_provider

        extensions.register_client_panel(
            extensions.ClientPanel(
                key="attachment_records",
                order=20,
                template="attachment/records/_records_panel.html",
                context=views.records_panel,
            )
        )
        # One tap from the caseload to the short contact form.
        extensions.register_caseload_column(
            extensions.CaseloadColumn(
                key="log_contact",
                order=0,
                header="Log",
                template="attachment/records/_caseload_log.html",
                own_only=True,
            )
        )
        extensions.register_client_panel(
            extensions.ClientPanel(
                key="attachment_plan",
                order=60,
                template="attachment/records/_plan_panel.html",
                context=views.plan_panel,
            )
        )
        extensions.register_client_panel(
            extensions.ClientPanel(
                key="ingestion_to_classify",
                order=15,
                template="attachment/ingestion/_classify_client_panel.html",
                context=classify_views.classify_client_panel,
            )
        )
        extensions.register_home_panel(
            extensions.HomePanel(
                key="ingestion_to_classify",
                order=10,
                template="attachment/ingestion/_classify_home_panel.html",
                context=classify_views.classify_home_panel,
            )
        )
        extensions.register_caseload_annotation(
            "last_contact_at", selectors.annotate_last_contact
        )
        register_agenda_provider("contact", ContactAgenda())
        register_agenda_provider("rupture", RuptureAgenda())
        extensions.register_demo_seeder(
            extensions.DemoSeeder(key="attachment", order=30, seed=demo.seed)
        )
        extensions.register_demo_seeder(
            extensions.DemoSeeder(key="attachment_scan", order=35, seed=demo.scan)
        )
        extensions.register_demo_seeder(
            extensions.DemoSeeder(
                key="supervision", order=40, seed=supervision_demo.seed
            )
        )
        extensions.register_demo_seeder(
            extensions.DemoSeeder(key="ingestion", order=45, seed=ingestion_demo.seed)
        )
        register_review_integrations()
        register_supervision_integrations()
        register_oversight_integrations()
        register_cover_integrations()
        register_agreements_integrations()
        register_agreement_admin_integrations()
        register_safety_integrations()
        register_alerts_integrations()
        register_fhir_integrations()
        register_retention_integrations()
        register_addresses_integrations()
        register_unmatched_integrations()

    def database_guards(self) -> list:
        """The tombstone and legal-hold guards (attachment/retention/guards.py)."""
        from attachment.retention.guards import retention_guards

        return retention_guards()

    def database_erasures(self) -> list:
        """Where a destroyed client's rows may go (attachment/retention/guards.py)."""
        from attachment.retention.guards import client_erasures

        return client_erasures()
