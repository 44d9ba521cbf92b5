"""Customs screens: the officer's workbench, the declarant's cases, the public time release page."""

from django.urls import path

from singlewindow.customs import views

app_name = "customs"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("cases/<int:case_id>/", views.case_detail, name="case"),
    path("cases/<int:case_id>/<slug:action>/", views.case_action, name="action"),
    path("my-cases/", views.my_cases, name="my_cases"),
    path("time-release/", views.time_release, name="time_release"),
]
