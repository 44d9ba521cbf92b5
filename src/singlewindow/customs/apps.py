from django.apps import AppConfig


class CustomsConfig(AppConfig):
    name = "singlewindow.customs"
    verbose_name = "Customs 海關通關"

    def ready(self) -> None:
        from singlewindow.customs import engine, services
        from singlewindow.exchange.engines import register_engine

        register_engine("customs", engine.handle_delivery, sweep=services.remind_overdue)
