"""Screens of the payments app."""

from django.urls import URLPattern, path

from singlewindow.payments import views

app_name = "payments"

urlpatterns: list[URLPattern] = [
    path("", views.trader, name="mine"),
    path("orders/<str:reference>/", views.order_detail, name="order"),
    path("bank/", views.bank, name="bank"),
    path("customs/", views.customs, name="customs"),
    path("customs/guarantees/<int:guarantee_id>/<str:action>/", views.decide_guarantee, name="decide"),
]
