from django.urls import path

from recommendations import community_views, views

app_name = "recommendations"

urlpatterns = [
    path("", views.recommendation_list, name="list"),
    path("new/", views.recommendation_new, name="new"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("reports/<uuid:team>/<int:year>/", views.annual_report, name="annual_report"),
    path(
        "reports/<uuid:team>/<int:year>/report.csv",
        views.annual_report_csv,
        name="annual_report_csv",
    ),
    path(
        "reports/<uuid:team>/<int:year>/report.pdf",
        views.annual_report_pdf,
        name="annual_report_pdf",
    ),
    path(
        "reports/<uuid:team>/<int:year>/years/",
        views.multi_year_report,
        name="annual_report_years",
    ),
    path(
        "reports/<uuid:team>/<int:year>/years/report.csv",
        views.multi_year_report_csv,
        name="annual_report_years_csv",
    ),
    path(
        "reports/<uuid:team>/<int:year>/years/report.pdf",
        views.multi_year_report_pdf,
        name="annual_report_years_pdf",
    ),
    path(
        "reports/<uuid:team>/<int:year>/selection/",
        views.selection_report,
        name="selection_report",
    ),
    path(
        "reports/<uuid:team>/<int:year>/selection.csv",
        views.selection_report_csv,
        name="selection_report_csv",
    ),
    path("public/<uuid:team>/", views.public_recommendations, name="public"),
    path("community/", community_views.community_index, name="community_index"),
    path(
        "community/<uuid:team>/<int:year>/",
        community_views.community_list,
        name="community",
    ),
    path(
        "community/<uuid:team>/<int:year>/resources.csv",
        community_views.community_csv,
        name="community_csv",
    ),
    path("community/<uuid:team>/new/", community_views.community_new, name="community_new"),
    path(
        "community/resources/<uuid:code>/edit/",
        community_views.community_edit,
        name="community_edit",
    ),
    path("<uuid:code>/", views.recommendation_detail, name="detail"),
    path("<uuid:code>/edit/", views.recommendation_edit, name="edit"),
    path("<uuid:code>/history/", views.recommendation_history, name="history"),
    path("<uuid:code>/updates/new/", views.add_update, name="add_update"),
    path(
        "<uuid:code>/updates/<uuid:update>/evidence/",
        views.download_evidence,
        name="download_evidence",
    ),
    path("<uuid:code>/tasks/new/", views.add_task, name="add_task"),
    path("<uuid:code>/tasks/<uuid:task>/", views.edit_task, name="edit_task"),
    path("<uuid:code>/funding/new/", views.add_funding, name="add_funding"),
    path("<uuid:code>/endorsements/new/", views.record_endorsement, name="endorse"),
]
