from django.urls import path

from people import import_views, views

app_name = "people"

urlpatterns = [
    path("people/", views.person_list, name="person_list"),
    path("people/new/", views.person_create, name="person_create"),
    path("people/export.<str:fmt>", views.person_export, name="person_export"),
    path("people/import/", import_views.import_start, name="import_start"),
    path("people/import/<int:pk>/", import_views.import_detail, name="import_detail"),
    path("people/import/<int:pk>/check/", import_views.import_check, name="import_check"),
    path("people/import/<int:pk>/commit/", import_views.import_run, name="import_commit"),
    path("people/import/<int:pk>/cancel/", import_views.import_cancel, name="import_cancel"),
    path("people/import/<int:pk>/progress/", import_views.import_progress, name="import_progress"),
    path("people/import/<int:pk>/not-imported.csv", import_views.import_not_imported, name="import_not_imported"),
    path("people/<int:pk>/case-file/", views.person_case_file, name="person_case_file"),
    path("people/<int:pk>/merge/", views.person_merge, name="person_merge"),
    path("people/<int:pk>/", views.person_detail, name="person_detail"),
    path("people/<int:pk>/edit/", views.person_update, name="person_update"),
    path("people/<int:pk>/add/<slug:kind>/", views.person_record_add, name="person_record_add"),
    path("people/<int:pk>/end/<slug:kind>/<int:record_pk>/", views.person_record_end, name="person_record_end"),
    path("camps/", views.camp_list, name="camp_list"),
    path("camps/new/", views.camp_create, name="camp_create"),
    path("camps/<int:pk>/", views.camp_detail, name="camp_detail"),
    path("camps/<int:pk>/edit/", views.camp_update, name="camp_update"),
]
