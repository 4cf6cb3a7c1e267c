from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "safedata.moderation"
    verbose_name = "Moderation"

    def ready(self) -> None:
        # The upload pipeline (documents, a layer below) announces held uploads with a
        # signal; moderation records their reasons. See docs/architecture.md.
        from safedata.documents.signals import upload_held
        from safedata.moderation.services import record_held_uploads

        upload_held.connect(record_held_uploads, dispatch_uid="moderation.record_held_uploads")
