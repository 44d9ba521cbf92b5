"""Screens of the cargo app."""

from django.urls import URLPattern, path  # noqa: F401

app_name = "cargo"

urlpatterns: list[URLPattern] = []
