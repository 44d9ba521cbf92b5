from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "singlewindow.exchange"
    verbose_name = "Exchange 訊息交換"
    default_auto_field = "django.db.models.BigAutoField"
