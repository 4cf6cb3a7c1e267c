from django.apps import AppConfig


class DatasetsConfig(AppConfig):
    name = "safedata.datasets"
    verbose_name = "Datasets"
