"""Signing in, in a real browser: with sign-in required, the cluster page sends the browser to the
sign-in page, the password createadmin printed lands it back on the cluster page, whose socket
(signed in too) brings new pods live; signing out asks again. A screenshot of the sign-in page
at 1440 px goes to PLAYGROUND_SCREENSHOTS for a person to look at."""
from __future__ import annotations

import re

import pytest

from tests.browser.test_cluster_page import page, pytestmark, server  # noqa: F401 - the same fixtures and skip
from tests.browser.test_editor import screenshot


@pytest.fixture
def sign_in_required(monkeypatch):
    """Set before `server` starts: the browser is on loopback, which would ask nothing."""
    monkeypatch.setenv("PLAYGROUND_SIGN_IN", "required")


def test_signing_in_lands_on_the_page_asked_for_and_its_socket_is_live(sign_in_required, server, page):  # noqa: F811
    url, manage = server
    password = re.search(r"keep it\): (\S+)", manage("createadmin").stdout).group(1)
    page.set_viewport_size({"width": 1440, "height": 900})

    page.goto(f"{url}/clusters/default/")
    assert page.url == f"{url}/sign-in/?next=/clusters/default/"
    screenshot(page, "sign-in")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    assert "Please enter a correct username and password" in page.get_by_role("alert").inner_text()

    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()

    page.wait_for_url(f"{url}/clusters/default/")
    assert page.locator('article[aria-label="node playground-worker"]').is_visible()
    assert "Signed in as admin" in page.locator("body > header").inner_text()
    manage("apply", "-f", "examples/nginx-deployment.yaml")
    page.locator("li.pod.ready", has_text="nginx-").nth(2).wait_for(timeout=15_000)  # no reload: the socket
    screenshot(page, "signed-in-cluster")

    page.get_by_role("button", name="Sign out").click()
    page.goto(f"{url}/clusters/default/")
    assert page.url.startswith(f"{url}/sign-in/")
