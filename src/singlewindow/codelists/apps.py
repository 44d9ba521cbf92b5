from django.apps import AppConfig


class CodeListsConfig(AppConfig):
    name = "singlewindow.codelists"
    label = "codelists"
    verbose_name = "Code lists 代碼表"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from singlewindow.codelists.signals import load_missing_code_lists

        post_migrate.connect(load_missing_code_lists, sender=self, dispatch_uid="codelists-load-missing")
