"""Portal routes; the ``panels/`` and ``events/`` routes return htmx fragments."""

from django.urls import path

from singlewindow.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("panels/sent/", views.sent_panel, name="sent_panel"),
    path("panels/mailbox/", views.mailbox_panel, name="mailbox_panel"),
    path("mailbox/<int:delivery_id>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("consignments/", views.consignments, name="consignments"),
    path("consignments/<str:ucr>/", views.timeline, name="timeline"),
    path("consignments/<str:ucr>/events/", views.timeline_panel, name="timeline_panel"),
    path("messages/<uuid:message_id>/", views.message_detail, name="message"),
    path("messages/<uuid:message_id>/deliveries/", views.message_deliveries,
         name="message_deliveries"),
    path("mandates/", views.mandates, name="mandates"),
    path("mandates/give/", views.give_mandate, name="give_mandate"),
    path("mandates/<int:mandate_id>/end/", views.withdraw_mandate, name="withdraw_mandate"),
    path("services/", views.service_catalogue, name="services"),
    path("guide/", views.guide_index, name="guide"),
    path("guide/errors/", views.guide_errors, name="guide_errors"),
    path("guide/<str:dataset>/", views.guide_data_set, name="guide_data_set"),
]
