from django.urls import path

from cases.views import (
    agreements,
    cases,
    deferral,
    documents,
    exports,
    imports,
    nok,
    quality,
    records,
    sections,
    sudors_export,
    timeline,
)

app_name = "cases"

urlpatterns = [
    path("", cases.case_list, name="list"),
    path("new/", cases.case_new, name="new"),
    path("requests/overdue/", records.overdue_requests, name="overdue_requests"),
    path("<uuid:code>/", cases.case_detail, name="detail"),
    path("<uuid:code>/edit/", cases.case_edit, name="edit"),
    path("<uuid:code>/status/", cases.case_status, name="status"),
    path("<uuid:code>/history/", cases.case_history, name="history"),
    path("<uuid:code>/access/", cases.case_access_log, name="access_log"),
    # Deferral requests (cases/views/deferral.py)
    path("<uuid:code>/deferral/ask/", deferral.ask_deferral, name="ask_deferral"),
    path(
        "<uuid:code>/deferral/<uuid:item>/decline/",
        deferral.decline_deferral,
        name="decline_deferral",
    ),
    # Sections of the case file (cases/views/sections.py)
    path("<uuid:code>/decedent/", sections.edit_decedent, name="edit_decedent"),
    path("<uuid:code>/identifiers/", sections.edit_identifiers, name="edit_identifiers"),
    path("<uuid:code>/death/", sections.edit_death, name="edit_death"),
    path("<uuid:code>/circumstances/", sections.edit_circumstances, name="edit_circumstances"),
    path("<uuid:code>/toxicology/new/", sections.add_toxicology, name="add_toxicology"),
    path("<uuid:code>/toxicology/<uuid:item>/", sections.edit_toxicology, name="edit_toxicology"),
    path(
        "<uuid:code>/toxicology/<uuid:item>/delete/",
        sections.delete_toxicology,
        name="delete_toxicology",
    ),
    # Timeline, notes and findings (cases/views/timeline.py)
    path("<uuid:code>/timeline/new/", timeline.add_event, name="add_event"),
    path("<uuid:code>/timeline/<uuid:item>/", timeline.edit_event, name="edit_event"),
    path("<uuid:code>/notes/new/", timeline.add_note, name="add_note"),
    path("<uuid:code>/notes/<uuid:item>/", timeline.edit_note, name="edit_note"),
    path("<uuid:code>/findings/new/", timeline.add_finding, name="add_finding"),
    path("<uuid:code>/findings/<uuid:item>/", timeline.edit_finding, name="edit_finding"),
    path(
        "<uuid:code>/findings/<uuid:item>/confirm/",
        timeline.confirm_finding,
        name="confirm_finding",
    ),
    # Record requests (cases/views/records.py)
    path("<uuid:code>/requests/new/", records.add_request, name="add_request"),
    path("<uuid:code>/requests/<uuid:item>/", records.edit_request, name="edit_request"),
    path(
        "<uuid:code>/requests/<uuid:item>/letter.pdf", records.request_letter, name="request_letter"
    ),
    # Source documents (cases/views/documents.py)
    path("<uuid:code>/documents/new/", documents.add_document, name="add_document"),
    path("<uuid:code>/documents/<uuid:item>/", documents.edit_document, name="edit_document"),
    path(
        "<uuid:code>/documents/<uuid:item>/download/",
        documents.download_document,
        name="download_document",
    ),
    # The team's cases in SUDORS variables, de-identified (cases/views/sudors_export.py)
    path("sudors/<uuid:team>.csv", sudors_export.sudors_export, name="sudors_export"),
]
# Exports of a team's case files for REDCap (cases/views/exports.py)
urlpatterns += [
    path("export/redcap/<uuid:team>/", exports.redcap_export, name="redcap_export"),
    path(
        "export/redcap/<uuid:team>/dictionary.csv",
        exports.redcap_dictionary,
        name="redcap_dictionary",
    ),
    path("export/redcap/<uuid:team>/records.csv", exports.redcap_records, name="redcap_records"),
    path(
        "export/redcap/<uuid:team>/repeating.csv",
        exports.redcap_repeating,
        name="redcap_repeating",
    ),
    path("export/redcap/<uuid:team>/codebook/", exports.redcap_codebook, name="redcap_codebook"),
    path(
        "export/redcap/<uuid:team>/codebook.pdf",
        exports.redcap_codebook_pdf,
        name="redcap_codebook_pdf",
    ),
]
# Case import from CSV and XLSX (cases/views/imports.py)
urlpatterns += [
    path("import/", imports.import_start, name="import_start"),
    path("import/template/", imports.import_template, name="import_template"),
    path("import/mappings/", imports.import_mappings, name="import_mappings"),
    path("import/<uuid:code>/", imports.import_review, name="import_review"),
    path("import/<uuid:code>/errors.csv", imports.import_errors, name="import_errors"),
]
# A team's data-sharing agreements with agencies (cases/views/agreements.py)
urlpatterns += [
    path("agreements/", agreements.agreement_list, name="agreements"),
    path("agreements/new/", agreements.agreement_new, name="agreement_new"),
    path("agreements/<uuid:code>/", agreements.agreement_edit, name="agreement_edit"),
    path(
        "agreements/<uuid:code>/download/",
        agreements.download_agreement,
        name="download_agreement",
    ),
]
# A team's data quality (cases/views/quality.py)
urlpatterns += [
    path(
        "quality/<uuid:team>/completeness/", quality.completeness_report, name="completeness_report"
    ),
    path("quality/<uuid:team>/queries/", quality.open_queries, name="open_queries"),
]
# Next-of-kin interviews (cases/views/nok.py)
urlpatterns += [
    path("nok/mine/", nok.my_interviews, name="nok_mine"),
    path("<uuid:code>/nok/new/", nok.assign_interview, name="nok_assign"),
    path("<uuid:code>/nok/<uuid:item>/", nok.interview_detail, name="nok_interview"),
    path("<uuid:code>/nok/<uuid:item>/attempts/new/", nok.add_attempt, name="nok_attempt"),
    path("<uuid:code>/nok/<uuid:item>/consent/", nok.record_consent, name="nok_consent"),
    path(
        "<uuid:code>/nok/<uuid:item>/consent/download/",
        nok.download_consent,
        name="nok_consent_download",
    ),
    path("<uuid:code>/nok/<uuid:item>/interview/", nok.record_interview, name="nok_record"),
    path("<uuid:code>/nok/<uuid:item>/debrief/", nok.record_debrief, name="nok_debrief"),
    path(
        "<uuid:code>/nok/<uuid:item>/do-not-contact/",
        nok.do_not_contact,
        name="nok_do_not_contact",
    ),
    path(
        "<uuid:code>/nok/<uuid:item>/touchpoints/new/",
        nok.add_touchpoint,
        name="nok_touchpoint",
    ),
    path("<uuid:code>/nok/<uuid:item>/letter-<str:lang>.pdf", nok.nok_letter, name="nok_letter"),
    path(
        "<uuid:code>/nok/<uuid:item>/consent-form-<str:lang>.pdf",
        nok.nok_consent_form,
        name="nok_consent_form",
    ),
]
