from django.urls import path

from api import views

app_name = "api"

urlpatterns = [
    path("", views.key_list, name="list"),
    path("new/", views.key_new, name="new"),
    path("<uuid:code>/revoke/", views.key_revoke, name="revoke"),
    path("reference/", views.reference, name="reference"),
]
