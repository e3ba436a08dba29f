from django.contrib import admin
from django.urls import include, path

from ofr import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/login/", views.login, name="login"),
    path("accounts/logout/", views.logout, name="logout"),
    path("cases/", include("cases.urls")),
    path("meetings/", include("meetings.urls")),
    path("recommendations/", include("recommendations.urls")),
    path("admin/", admin.site.urls),
]
