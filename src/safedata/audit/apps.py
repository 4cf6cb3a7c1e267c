from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "safedata.audit"
    verbose_name = "Audit log"
