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

# A database that cannot answer gives a 503 saying nothing was saved, whichever
# middleware or view met it (ofr/db_unavailable.py); any other error, the 500 page.
handler500 = "ofr.db_unavailable.server_error"
handler400 = "ofr.db_unavailable.bad_request"
