from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class AccountsConfig(AppConfig):
    default = True
    name = "accounts"
    verbose_name = "Accounts and sign-in"

    def ready(self) -> None:
        from accounts import signals  # noqa: F401  (connects the session and sign-in receivers)


class SecureAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the second-factor admin site as `admin.site` (INSTALLED_APPS names it)."""

    default = False
    default_site = "accounts.admin_site.SecureAdminSite"
