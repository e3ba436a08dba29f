from django.urls import path

from cases import views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.case_new, name="new"),
    path("<uuid:code>/", views.case_detail, name="detail"),
    path("<uuid:code>/edit/", views.case_edit, name="edit"),
    path("<uuid:code>/history/", views.case_history, name="history"),
    path("<uuid:code>/access/", views.case_access_log, name="access_log"),
]
