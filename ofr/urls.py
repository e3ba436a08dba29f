from django.contrib import admin
from django.urls import include, path

from ofr import second_factor_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/login/", views.login, name="login"),
    path("accounts/logout/", views.logout, name="logout"),
    path("accounts/two-factor/enrol/", second_factor_views.enrol, name="second_factor_enrol"),
    path("accounts/two-factor/", second_factor_views.verify, name="second_factor_verify"),
    path(
        "accounts/two-factor/recovery-codes/",
        second_factor_views.renew_recovery_codes,
        name="second_factor_renew_codes",
    ),
    path(
        "accounts/two-factor/reset/<int:user_id>/",
        second_factor_views.reset,
        name="second_factor_reset",
    ),
    path("cases/", include("cases.urls")),
    path("meetings/", include("meetings.urls")),
    path("recommendations/", include("recommendations.urls")),
    path("admin/login/", second_factor_views.admin_login, name="admin_login"),
    path("admin/", admin.site.urls),
]

# A database that cannot answer gives a 503 saying nothing was saved, whichever
# middleware or view met it (ofr/db_unavailable.py); any other error, the 500 page.
handler500 = "ofr.db_unavailable.server_error"
handler400 = "ofr.db_unavailable.bad_request"
