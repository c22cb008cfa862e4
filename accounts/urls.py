from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("accounts/two-step/", views.two_factor, name="two_factor"),
    path("accounts/two-step/verify/", views.verify, name="verify"),
    path("accounts/two-step/set-up/", views.setup, name="setup"),
    path("accounts/two-step/recovery-codes/", views.recovery_codes, name="recovery_codes"),
]
