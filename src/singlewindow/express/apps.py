from django.apps import AppConfig


class ExpressConfig(AppConfig):
    name = "singlewindow.express"
    label = "express"
    verbose_name = "Express cargo 快遞貨物"
    default_auto_field = "django.db.models.BigAutoField"
