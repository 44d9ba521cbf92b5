"""The hosted permit desk: inbox, application page, decisions."""

from django.urls import path

from singlewindow.permits import views

app_name = "permits"

urlpatterns = [
    path("desk/", views.desk, name="desk"),
    path("desk/<int:application_id>/", views.application_detail, name="application"),
    path("desk/<int:application_id>/<slug:action>/", views.decide, name="decide"),
]
