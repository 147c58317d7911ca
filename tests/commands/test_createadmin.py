"""`python manage.py createadmin`: the first account, its random password printed once."""
from __future__ import annotations

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client

ELSEWHERE = "203.0.113.7"


def createadmin(*args: str) -> str:
    out = io.StringIO()
    call_command("createadmin", *args, stdout=out)
    return out.getvalue()


def printed_password(output: str) -> str:
    return re.search(r"Password \(shown this once, keep it\): (\S+)", output).group(1)


def signs_in(username: str, password: str) -> bool:
    return Client(REMOTE_ADDR=ELSEWHERE).post("/sign-in/", {"username": username, "password": password}).status_code == 302


def test_it_prints_a_password_that_signs_in(cluster):
    output = createadmin()

    password = printed_password(output)
    assert "Created superuser admin." in output
    assert len(password) >= 24
    assert signs_in("admin", password)
    assert get_user_model().objects.get(username="admin").is_superuser


def test_the_password_is_shown_once(cluster):
    first = printed_password(createadmin())

    with pytest.raises(CommandError, match="User admin exists already; its password is not shown again"):
        createadmin()

    assert signs_in("admin", first)


def test_reset_password_gives_a_new_one_and_signs_out_the_old_sessions(cluster):
    old = printed_password(createadmin("--username", "teacher"))
    browser = Client(REMOTE_ADDR=ELSEWHERE)
    browser.post("/sign-in/", {"username": "teacher", "password": old})

    new = printed_password(createadmin("--username", "teacher", "--reset-password"))

    assert new != old
    assert signs_in("teacher", new) and not signs_in("teacher", old)
    assert browser.get("/clusters/default/").status_code == 302  # its session was the old password's


def test_two_runs_make_different_passwords(cluster):
    assert printed_password(createadmin("--username", "a")) != printed_password(createadmin("--username", "b"))


@pytest.mark.parametrize("username", ["", "has space", "<script>", "x" * 151, "tab\there"])
def test_a_username_the_sign_in_form_would_refuse_is_refused_and_nothing_made(cluster, username):
    with pytest.raises(CommandError, match="--username"):
        createadmin("--username", username)

    assert not get_user_model().objects.exists()
