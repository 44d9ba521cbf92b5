from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "singlewindow.portal"
    verbose_name = "Portal"
