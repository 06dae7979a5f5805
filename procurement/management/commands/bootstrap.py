import secrets

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand

from procurement.models import Vendor


class Command(BaseCommand):
    help = (
        "Prepare the database for `make run`: migrate, load the seed once (never twice) and "
        "create the `admin` superuser with a random password, printed once."
    )

    def add_arguments(self, parser):
        parser.add_argument("--demo", action="store_true", help="Also load the demo fixture.")

    def handle(self, *args, demo: bool = False, **options):
        self.stdout.write("Migrating the database...")
        call_command("migrate", interactive=False, verbosity=0)
        if Vendor.objects.exists():
            self.stdout.write("Seed data already loaded; leaving it as it is.")
        else:
            self.stdout.write("Loading the research note (seed)...")
            call_command("loaddata", "seed", verbosity=0)
            if demo:
                self.stdout.write("Loading the worked example (demo)...")
                call_command("loaddata", "demo", verbosity=0)
        self._ensure_admin()

    def _ensure_admin(self) -> None:
        users = get_user_model()
        if users.objects.filter(username="admin").exists():
            self.stdout.write(
                "The admin user exists; its password is unchanged "
                "(reset it with: .venv/bin/python manage.py changepassword admin)."
            )
            return
        password = secrets.token_urlsafe(12)
        users.objects.create_superuser("admin", "admin@localhost", password)
        self.stdout.write(self.style.SUCCESS(f"Admin user: admin  password: {password}"))
