from django.apps import AppConfig


class VotingConfig(AppConfig):
    name = "safedata.voting"
    verbose_name = "Voting"
