from django.apps import AppConfig


class PermitsConfig(AppConfig):
    name = "singlewindow.permits"
    label = "permits"
    verbose_name = "Permits 簽審許可"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from singlewindow.customs.services import register_matcher, register_withdrawal
        from singlewindow.exchange.engines import register_engine
        from singlewindow.permits import desk_engine, routing  # noqa: F401 - registers the route rules
        from singlewindow.permits.applications import remind_overdue_applications
        from singlewindow.permits.matcher import match_permits, restore_withdrawn

        register_matcher(match_permits)
        register_withdrawal(restore_withdrawn)
        register_engine(desk_engine.ENGINE, desk_engine.handle_delivery, sweep=remind_overdue_applications)
