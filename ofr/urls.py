from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from api.endpoints import api as partner_api
from ofr import account_views, second_factor, second_factor_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    # Django's language switch (what django.conf.urls.i18n holds), reachable
    # before the second step too: its pages are translated.
    path("i18n/setlang/", second_factor.exempt(set_language), name="set_language"),
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
    path("api-keys/", include("api.urls")),
    path("api/v1/", partner_api.urls),
    path("admin/login/", second_factor_views.admin_login, name="admin_login"),
    path("admin/", admin.site.urls),
]

# A person's own account and password (ofr/account_views.py).
urlpatterns += [
    path("accounts/", account_views.account, name="account"),
    path(
        "accounts/sign-out-everywhere/",
        account_views.sign_out_everywhere,
        name="sign_out_everywhere",
    ),
    path("accounts/password/", account_views.password_change, name="password_change"),
    path("accounts/password/reset/", account_views.password_reset, name="password_reset"),
    path(
        "accounts/password/reset/sent/",
        account_views.password_reset_done,
        name="password_reset_done",
    ),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        account_views.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/reset/complete/",
        account_views.password_reset_complete,
        name="password_reset_complete",
    ),
]

# A database that cannot answer gives a 503 saying nothing was saved, whichever
# middleware or view met it (ofr/db_unavailable.py); any other error, the 500 page.
handler500 = "ofr.db_unavailable.server_error"
handler400 = "ofr.db_unavailable.bad_request"
