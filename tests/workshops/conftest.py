"""Fixtures for workshops: an instructor's account, a workshop, and attendees who joined it
through the join page (each a test client with the session the join gave it)."""
from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from playground.workshops import rooms

INSTRUCTOR = {"username": "teacher", "password": "a-long-enough-passphrase"}


@pytest.fixture
def workshop(db):
    return rooms.create("k8s101", seats=3, lessons=["04-pods"])


def join(workshop, name: str, *, address: str = "127.0.0.1") -> Client:
    """A browser that opened the join link and typed the code and `name`."""
    browser = Client(REMOTE_ADDR=address)
    response = browser.post(f"/join/{workshop.name}/", {"code": workshop.code, "name": name})
    assert response.status_code == 302, response.content.decode()[:2000]
    browser.cluster = response["Location"].split("/")[2]
    return browser


@pytest.fixture
def ana(workshop) -> Client:
    return join(workshop, "Ana")


@pytest.fixture
def bo(workshop) -> Client:
    return join(workshop, "Bo")


@pytest.fixture
def instructor(db) -> Client:
    get_user_model().objects.create_superuser(email="", **INSTRUCTOR)
    browser = Client()
    assert browser.post("/sign-in/", INSTRUCTOR).status_code == 302
    return browser
