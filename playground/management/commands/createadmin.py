"""`python manage.py createadmin [--username admin] [--reset-password]`: the first account, to
sign in to a playground opened to a network (playground/web/signin.py).

Makes a superuser with a random password and prints the password this once: it is stored only
as Django's hash, so it cannot be shown again. A user of that name already there is left alone
unless `--reset-password` gives it a new one (which signs out its open sessions: Django checks
a session against the password it was made with). `createsuperuser` makes further accounts.
"""
from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

PASSWORD_BYTES = 18  # 24 URL-safe characters, 144 random bits


class Command(BaseCommand):
    help = "Create the first superuser with a random password, printed once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", default="admin")
        parser.add_argument("--reset-password", action="store_true",
                            help="give an existing user a new random password (printed once)")

    def handle(self, *args: Any, username: str, reset_password: bool, **options: Any) -> None:
        users = get_user_model()
        try:  # the rules of the sign-in form's username field (letters, digits and @.+-_, 150 at most)
            users._meta.get_field(users.USERNAME_FIELD).clean(username, None)
        except ValidationError as e:
            raise CommandError(f"--username {username!r}: {' '.join(e.messages)}") from e
        password = secrets.token_urlsafe(PASSWORD_BYTES)
        user = users.objects.filter(**{users.USERNAME_FIELD: username}).first()
        if user is None:
            users.objects.create_superuser(username, email="", password=password)
            done = f"Created superuser {username}."
        elif reset_password:
            user.set_password(password)
            user.save(update_fields=["password"])
            done = f"New password for {username}; its open sessions are signed out."
        else:
            raise CommandError(f"User {username} exists already; its password is not shown again. "
                               "--reset-password gives it a new one.")
        self.stdout.write(done)
        self.stdout.write(f"Password (shown this once, keep it): {password}")
