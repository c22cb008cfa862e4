from django.urls import path

from people import views

app_name = "people"

urlpatterns = [
    path("people/", views.person_list, name="person_list"),
    path("people/new/", views.person_create, name="person_create"),
    path("people/<int:pk>/", views.person_detail, name="person_detail"),
    path("people/<int:pk>/edit/", views.person_update, name="person_update"),
    path("people/<int:pk>/add/<slug:kind>/", views.person_record_add, name="person_record_add"),
    path("people/<int:pk>/end/<slug:kind>/<int:record_pk>/", views.person_record_end, name="person_record_end"),
    path("camps/", views.camp_list, name="camp_list"),
    path("camps/new/", views.camp_create, name="camp_create"),
    path("camps/<int:pk>/", views.camp_detail, name="camp_detail"),
    path("camps/<int:pk>/edit/", views.camp_update, name="camp_update"),
]
