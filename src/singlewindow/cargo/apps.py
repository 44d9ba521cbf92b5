from django.apps import AppConfig


class CargoConfig(AppConfig):
    name = "singlewindow.cargo"
    label = "cargo"
    verbose_name = "Cargo 艙單與貨物"
    default_auto_field = "django.db.models.BigAutoField"
