from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "safedata.documents"
    verbose_name = "Documents"
