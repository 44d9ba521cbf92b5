from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "singlewindow.payments"
    label = "payments"
    verbose_name = "Payments and guarantees 繳稅與擔保"
    default_auto_field = "django.db.models.BigAutoField"
