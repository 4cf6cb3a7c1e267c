from django.apps import AppConfig
from django.db.models.signals import post_migrate


class DocumentsConfig(AppConfig):
    name = "safedata.documents"
    verbose_name = "Documents"

    def ready(self) -> None:
        from safedata.documents.search_index import ensure_sqlite_index

        post_migrate.connect(ensure_sqlite_index, sender=self, dispatch_uid="documents-search")
