from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from singlewindow.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("api/docs", RedirectView.as_view(url="/api/v1/docs", permanent=False)),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("customs/", include("singlewindow.customs.urls")),
    path("permits/", include("singlewindow.permits.urls")),
    path("cargo/", include("singlewindow.cargo.urls")),
    path("express/", include("singlewindow.express.urls")),
    path("payments/", include("singlewindow.payments.urls")),
    path("", include("singlewindow.portal.urls")),
]
