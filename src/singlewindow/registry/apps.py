from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "singlewindow.registry"
    verbose_name = "Registry 機關與業者登錄"
    default_auto_field = "django.db.models.BigAutoField"
