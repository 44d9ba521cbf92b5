from django.apps import AppConfig


class PermitsConfig(AppConfig):
    name = "singlewindow.permits"
    label = "permits"
    verbose_name = "Permits 簽審許可"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from singlewindow.customs.services import register_matcher
        from singlewindow.permits.matcher import match_permits

        register_matcher(match_permits)
