from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from articles import roles

DEMO_ARTICLES = Path(__file__).resolve().parents[2] / "fixtures" / "wikinews-demo.jsonl"
DEMO_ACCOUNTS = {"admin": roles.ADMINS, "editor": roles.EDITORS, "reviewer": roles.REVIEWERS}


class Command(BaseCommand):
    help = "Create the demo accounts and import the demo articles (development only)."

    def add_arguments(self, parser):
        parser.add_argument("--no-articles", action="store_true", help="Only the accounts.")

    def handle(self, *args, no_articles=False, **options):
        if not settings.DEBUG:
            raise CommandError("Demo accounts are for development only (DEBUG is off).")
        password = os.environ.get("NEWSROOM_DEMO_PASSWORD") or "newsroom"
        User = get_user_model()
        for username, group_name in DEMO_ACCOUNTS.items():
            user, created = User.objects.get_or_create(username=username)
            if created:
                user.set_password(password)
            user.is_staff = username == "admin"
            user.is_superuser = username == "admin"
            user.save()
            user.groups.add(Group.objects.get(name=group_name))
            if options["verbosity"] >= 1:
                state = "created" if created else "exists"
                self.stdout.write(f"account {username} ({group_name}): {state}")
        if not no_articles:
            call_command(
                "import_articles",
                str(DEMO_ARTICLES),
                user="editor",
                verbosity=options["verbosity"],
                stdout=self.stdout,
                stderr=self.stderr,
            )
