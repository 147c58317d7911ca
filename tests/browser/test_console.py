"""The kubectl console of a lesson in Chromium: `kubectl edit deployment/web` typed in it opens the
editor on the learner's Deployment over the page; Apply changes it and the console prints what
kubectl edit prints; Close without a change says the edit was cancelled."""
from __future__ import annotations

import re

from tests.browser import terminal
from tests.browser.test_cluster_page import page, pytestmark, server  # noqa: F401 - the same fixtures and skip
from tests.browser.test_object_pages import screenshot


def typed(page, command: str, answer: str) -> None:  # noqa: F811
    terminal.run(page, command, answer)


def test_kubectl_edit_in_the_console_opens_the_editor_on_the_object(server, page):  # noqa: F811
    url, _ = server
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(url + "/lessons/09-deployments/")
    page.get_by_role("button", name=re.compile("Start")).click()
    page.wait_for_url(re.compile(r"/lessons/09-deployments/1/$"))
    page.get_by_role("button", name="Run in the console").first.click()  # the Deployment web
    terminal.shows(page, "deployment.apps/web created")

    typed(page, "kubectl edit deployment/web", "deployment.apps/web: opened in the editor")

    dialog = page.get_by_role("dialog", name="kubectl edit deployment.apps/web")
    dialog.wait_for()
    editor = page.frame_locator("dialog.console-editor iframe")
    editor.locator("#id_replicas").wait_for(timeout=30_000)
    assert editor.locator("h1").inner_text() == "Edit Deployment default/web"
    assert editor.locator("body > header").is_hidden()  # embedded: the editor, not the site around it
    screenshot(page, "console-edit-1440")
    editor.locator("#id_replicas").fill("5")
    editor.locator("#id_replicas").dispatch_event("change")
    editor.locator("#yaml").wait_for()
    editor.locator("textarea#yaml", has_text="replicas: 5").wait_for(timeout=30_000)
    editor.get_by_role("button", name="Apply").click()

    terminal.shows(page, "deployment.apps/web edited")
    assert dialog.is_hidden()
    typed(page, "kubectl get deployment web -o jsonpath='{.spec.replicas}'", "5")
    screenshot(page, "console-edit-done-1440")

    page.set_viewport_size({"width": 1920, "height": 1080})
    typed(page, "kubectl edit deployment web", "deployment.apps/web: opened in the editor")
    editor.locator("#id_replicas").wait_for(timeout=30_000)
    screenshot(page, "console-edit-1920")
    dialog.get_by_role("button", name="Close").click()
    terminal.in_red(page, "Edit cancelled, no changes made.")
    typed(page, "kubectl edit deployment/nope", 'Error from server (NotFound): deployments.apps "nope" not found')
    assert dialog.is_hidden()
