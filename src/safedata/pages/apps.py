from django.apps import AppConfig


class PagesConfig(AppConfig):
    name = "safedata.pages"
    verbose_name = "Pages"
