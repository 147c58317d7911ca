"""The static files as the pages load them (web/static_files.py, WhiteNoise): gzipped for a
browser that accepts it once collected, with cache headers a reload turns into a 304, sent with
nosniff; and a path that climbs out of the static folders is a 400, not a server error."""
from __future__ import annotations

import gzip
import logging

import pytest
from django.core.management import call_command
from django.test import Client

# Paths as the server hands them over, percent-decoded (/static/..%2F.. arrives as /static/../..)
CLIMBS = [
    "/static/../..",
    "/static/../../etc/passwd",
    "/static/../playground/settings.py",
    "/static/../../../../../../../../etc/hosts",
    "/static/django_htmx/../../../../settings.py",
    "/static/..\\..\\playground\\settings.py",
]


@pytest.fixture
def collected(settings, tmp_path):
    """The static files collected as `manage.py playground` collects them at start."""
    settings.STATIC_ROOT = tmp_path / "static"
    call_command("collectstatic", interactive=False, verbosity=0)


def test_a_static_file_is_sent_with_nosniff_and_cache_headers():
    response = Client().get("/static/playground.css")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/css")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "max-age=600" in response["Cache-Control"]
    assert b"--color-text" in response.content  # the design tokens: the real stylesheet


def test_a_collected_file_is_sent_gzipped_to_a_browser_that_accepts_it(collected):
    plain = Client().get("/static/django_htmx/htmx-2.min.js")
    zipped = Client().get("/static/django_htmx/htmx-2.min.js", headers={"Accept-Encoding": "gzip, deflate, br"})

    assert "Content-Encoding" not in plain
    assert zipped["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped["Vary"]
    assert gzip.decompress(zipped.content) == plain.content
    assert len(zipped.content) < len(plain.content) / 2


def test_a_reload_of_an_unchanged_file_is_a_304_without_a_body(collected):
    first = Client().get("/static/playground.css")

    again = Client().get("/static/playground.css", headers={"If-None-Match": first["ETag"]})

    assert again.status_code == 304
    assert again.content == b""


def test_a_missing_static_file_is_not_found_with_nosniff():
    response = Client().get("/static/nope.css")

    assert response.status_code == 404
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("path", CLIMBS)
def test_a_path_out_of_the_static_folders_is_a_bad_request(path, caplog):
    with caplog.at_level(logging.WARNING):
        response = Client().get(path)

    assert response.status_code == 400
    assert b"Bad Request" in response.content and b"Traceback" not in response.content
    assert response["X-Content-Type-Options"] == "nosniff"
    # Django's security logger says so in one line: no traceback, no server error
    [record] = [r for r in caplog.records if r.name.startswith("django.security")]
    assert record.name == "django.security.SuspiciousFileOperation"
    assert record.levelno == logging.WARNING and record.exc_info is None
    assert path in record.getMessage()
    assert all(r.levelno < logging.ERROR and r.exc_info is None for r in caplog.records)
