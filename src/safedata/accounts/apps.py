from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "safedata.accounts"
    verbose_name = "Accounts"
