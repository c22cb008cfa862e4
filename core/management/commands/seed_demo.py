"""Load the fictional demo data (idempotent) and print the demo logins."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from people import demo


class Command(BaseCommand):
    help = "Load fictional demo data: teams, users, camps, an organisation and a few hundred residents. Safe to re-run."

    def handle(self, *args, **options):
        import pghistory

        data = demo.load_demo()
        teams, logins = demo.seed_accounts(data)
        admin = get_user_model().objects.get(username="admin")
        with transaction.atomic(), pghistory.context(user=admin.pk, action="seed_demo"):
            camps, organisation = demo.seed_places(data)

            def progress(done: int, total: int) -> None:
                interactive = self.stdout.isatty() and done < total
                self.stdout.write(f"  residents: {done}/{total}", ending="\r" if interactive else "\n")
                self.stdout.flush()

            created = demo.seed_residents(data, teams=teams, camps=camps, organisation=organisation, actor=admin, progress=progress)
            for step in self.extra_steps():
                step(admin=admin, stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS(f"Demo data ready ({created} residents added this run; all data is fictional)."))
        self.stdout.write("")
        self.stdout.write("Demo logins (fictional accounts, for this machine only):")
        for login in logins:
            self.stdout.write(f"  {login.role:<14} username: {login.username:<12} password: {login.password}")
        self.two_factor_instructions()

    def two_factor_instructions(self):
        """Supervisors and administrators need a second step: give the demo ones a documented demo key."""
        from accounts import demo as accounts_demo

        seeded = accounts_demo.seed_two_factor()
        if not seeded:
            return
        self.stdout.write("")
        self.stdout.write("Two-step verification (supervisors and administrators): after the password, a 6-digit code.")
        self.stdout.write("Add the demo key to an authenticator app (time-based, 6 digits, 30 s), or print the current")
        self.stdout.write("code with `.venv/bin/python manage.py demo_code <username>`. Demo keys, never for real use:")
        for username, key in seeded:
            self.stdout.write(f"  {username:<12} key: {key}   code now: {accounts_demo.current_code(username)}")

    def extra_steps(self):
        """Seeding steps of later apps (assessments), run after the registry."""
        try:
            from assessments import demo as assessment_demo
        except ImportError:
            return []
        return [assessment_demo.seed]
