"""`migrate` as the owning role: `--database` defaults to the `owner` alias when one is configured.

Everything else is Django's command. While it runs, the `default` connection is the one being migrated
(core.database_roles.default_is), so data migrations and post-migrate handlers that use `Model.objects`,
`connection` or `using="default"` write as the owner too, in the database and transaction being migrated.
"""

from __future__ import annotations

from django.core.management.commands import migrate

from core.database_roles import default_is, migration_alias


class Command(migrate.Command):
    help = migrate.Command.help + " Runs as the owning role (the `owner` alias) when one is configured."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.set_defaults(database=migration_alias())

    def handle(self, *args, **options):
        with default_is(options["database"]):
            return super().handle(*args, **options)
