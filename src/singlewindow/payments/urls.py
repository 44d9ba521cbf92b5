"""Screens of the payments app."""

from django.urls import URLPattern, path  # noqa: F401

app_name = "payments"

urlpatterns: list[URLPattern] = []
