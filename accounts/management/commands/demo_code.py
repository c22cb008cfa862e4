"""Print the current two-step code of a demo account (supervisor, admin), for `make run` demos only."""

from django.core.management.base import BaseCommand, CommandError

from accounts import demo


class Command(BaseCommand):
    help = "Print the current 6-digit code of a demo account's authenticator (demo accounts only)."

    def add_arguments(self, parser):
        parser.add_argument("username", choices=sorted(demo.DEMO_KEYS))

    def handle(self, *args, username, **options):
        try:
            code = demo.current_code(username)
        except Exception as exc:  # not seeded, or the key was changed: not a demo device any more
            raise CommandError(f"No demo authenticator for {username}: run `manage.py seed_demo` first. ({exc})") from exc
        self.stdout.write(code)
