from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from django.core import checks
        from django.db.models.signals import post_migrate

        from core.database_roles import after_migrate, check_runtime_role
        from core.roles import sync_roles_after_migrate

        # sender=self: once per migrate (post_migrate is sent once for each app with a models module).
        post_migrate.connect(after_migrate, sender=self, dispatch_uid="core.after_migrate")
        post_migrate.connect(sync_roles_after_migrate, dispatch_uid="core.sync_roles")
        checks.register(check_runtime_role, checks.Tags.security, deploy=True)
