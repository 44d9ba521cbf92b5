"""Screens of the express platforms: broker bookings and anomalies, the terminal queue, public progress."""

from django.urls import path

from singlewindow.express import views

app_name = "express"

urlpatterns = [
    path("", views.home, name="home"),
    path("progress/", views.progress, name="progress"),
    path("bookings/", views.bookings, name="bookings"),
    path("bookings/<int:appointment_id>/<slug:action>/", views.booking_action, name="booking_action"),
    path("anomalies/", views.anomalies, name="anomalies"),
    path("anomalies/<int:anomaly_id>/", views.anomaly, name="anomaly"),
    path("anomalies/<int:anomaly_id>/correct/", views.correct, name="correct"),
    path("anomalies/<int:anomaly_id>/review/", views.review, name="review"),
    path("terminal/", views.queue, name="queue"),
    path("terminal/<int:appointment_id>/stage/", views.move, name="move"),
    path("terminal/anomaly/", views.record_anomaly, name="record_anomaly"),
]
