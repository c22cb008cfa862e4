from django.urls import path, re_path

from assessments import views

app_name = "assessments"

urlpatterns = [
    path("work/", views.my_work, name="my_work"),
    path("review/", views.review_queue, name="review_queue"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("people/<int:person_pk>/proposals/new/", views.proposal_create, name="proposal_create"),
    path("people/<int:person_pk>/assessments/new/", views.assessment_start, name="assessment_start"),
    path("people/<int:person_pk>/flags/new/", views.flag_raise, name="flag_raise"),
    path("people/<int:person_pk>/consent/new/", views.consent_record, name="consent_record"),
    path("people/<int:person_pk>/decision/", views.decision, name="decision"),
    path("assessments/<int:pk>/", views.assessment_detail, name="assessment_detail"),
    path("assessments/<int:pk>/save/<slug:section>/", views.section_save, name="section_save"),
    path("assessments/<int:pk>/findings/<str:country>/<slug:risk_code>/", views.finding_edit, name="finding_edit"),
    path("assessments/<int:pk>/submit/", views.assessment_submit, name="assessment_submit"),
    path("assessments/<int:pk>/review/", views.assessment_review, name="assessment_review"),
    re_path(r"^assessments/(?P<pk>[0-9]+)/(?P<action>withdraw|reopen)/$", views.assessment_reason_action, name="assessment_action"),
    path("flags/<int:pk>/resolve/", views.flag_resolve, name="flag_resolve"),
    re_path(r"^consent/(?P<pk>[0-9]+)/(?P<action>confirm|withdraw)/$", views.consent_action, name="consent_action"),
]
