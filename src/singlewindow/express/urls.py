"""Screens of the express app."""

from django.urls import URLPattern, path  # noqa: F401

app_name = "express"

urlpatterns: list[URLPattern] = []
