"""Screens of the cargo app."""

from django.urls import URLPattern, path

from singlewindow.cargo import views

app_name = "cargo"

urlpatterns: list[URLPattern] = [
    path("", views.desk, name="desk"),
    path("manifests/<int:manifest_id>/", views.manifest_detail, name="manifest"),
    path("bills/<int:bill_id>/receipt/", views.receive, name="receive"),
    path("bills/<int:bill_id>/report/", views.file_report, name="file_report"),
    path("reports/<int:report_id>/<slug:action>/", views.sign_report, name="sign_report"),
    path("releases/<int:release_id>/gate-out/", views.gate_out, name="gate_out"),
]
