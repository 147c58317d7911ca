"""The main pages under their Content-Security-Policy in a real browser (Chromium): no page breaks
a rule of it (no violation reported, no error in the console), and what htmx and the pages' own
scripts do still works: live frames over the socket (connect-src 'self' lets ws: to this host
through), buttons, the 422 answers swapped beside their form, the namespace filter."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser import terminal
from tests.browser.test_cluster_page import page, pytestmark, server  # noqa: F401 - the same fixtures and skip


def watch_policy(page) -> list[str]:  # noqa: F811
    """What the browser reports, on every page from now on: each CSP violation (the
    `securitypolicyviolation` event), each error in the console (Chromium's "Refused to ..."
    among them) and each error thrown by a script."""
    reported: list[str] = []
    page.expose_function("reportViolation", lambda what: reported.append(f"violation: {what}"))
    page.add_init_script("""document.addEventListener("securitypolicyviolation", function (e) {
        window.reportViolation(e.violatedDirective + " " + e.blockedURI + " " + e.sourceFile + ":" + e.lineNumber);
    });""")
    page.on("console", lambda message: policy_error(message.type, message.text) and reported.append(
        f"console: {message.text} {message.location['url']}"))
    page.on("pageerror", lambda error: reported.append(f"script: {error}"))
    return reported


def policy_error(kind: str, text: str) -> bool:
    """An error in the console, other than an answer's HTTP status (the 422 of a refused form is
    one: Chromium logs it as a failed load; a blocked load is reported as a violation)."""
    return kind == "error" and not text.startswith("Failed to load resource: the server responded with a status of")


def settled(page, reported: list[str], where: str) -> None:  # noqa: F811
    page.wait_for_load_state("networkidle")
    assert reported == [], where


def test_the_main_pages_keep_their_policy_and_stay_live(server, page):  # noqa: F811
    url, manage = server
    reported = watch_policy(page)

    # The cluster page: a Deployment applied elsewhere arrives over the socket
    page.goto(f"{url}/clusters/default/")
    manage("apply", "-f", "examples/nginx-deployment.yaml")
    page.locator("li.pod.ready", has_text="nginx-").nth(2).wait_for(timeout=15_000)
    settled(page, reported, "cluster page")
    pod_name = page.locator("li.pod.ready a.pod-link").first.get_attribute("href").rstrip("/").rsplit("/", 1)[1]

    # The namespace filter sends its form on change (static/pages.js, no onchange=)
    page.locator('select[name="namespace"]').select_option("kube-system")
    page.wait_for_url("**/clusters/default/?namespace=kube-system")
    page.locator("li.pod", has_text="coredns-").first.wait_for(timeout=15_000)
    settled(page, reported, "cluster page, filtered")

    # A pod page: its Crash button (htmx), and the restart arriving live
    page.goto(f"{url}/clusters/default/pods/default/{pod_name}/")
    page.get_by_role("button", name="Crash nginx").click()
    page.locator('dd[data-field="restarts"]', has_text="1").wait_for(timeout=15_000)
    settled(page, reported, "pod page")

    # The Deployment page: Scale (htmx), and a refused image's 422 swapped beside its form
    page.goto(f"{url}/clusters/default/deployments/default/nginx/")
    page.get_by_role("spinbutton", name="replicas").fill("4")
    page.get_by_role("button", name="Scale").click()
    page.locator('article[aria-label="revision 1"] li.pod.ready').nth(3).wait_for(timeout=15_000)
    page.get_by_label("image").fill("")
    page.get_by_role("button", name="Set image").click()
    page.locator("#image-form .error").wait_for(timeout=15_000)
    settled(page, reported, "deployment page")

    # The editor: the YAML follows the form, and Preview diff answers, both over htmx
    page.goto(f"{url}/clusters/default/new/Deployment/")
    page.locator("#id_name").fill("web")
    page.locator("#id_name").dispatch_event("change")
    expect(page.locator("#yaml")).to_have_value(re.compile(r"name: web"), timeout=10_000)
    page.get_by_role("button", name="Preview diff").click()
    page.locator('section[aria-label="diff"]').wait_for(timeout=10_000)
    settled(page, reported, "editor")

    for path in ("/clusters/default/images/", "/clusters/default/loop/?kind=Deployment&namespace=default&name=nginx"):
        page.goto(url + path)
        settled(page, reported, path)


def test_a_lesson_step_frames_its_cluster_page_and_runs_its_console_within_the_policy(server, page):  # noqa: F811
    # The one frame the pages have: frame-ancestors 'self' lets a lesson step show the learner's
    # cluster page beside it; another site cannot (the header, tests/web/test_security_headers.py)
    url, _ = server
    reported = watch_policy(page)

    page.goto(f"{url}/lessons/08-replicasets/")
    page.get_by_role("button", name=re.compile("Start")).click()
    page.wait_for_url(re.compile(r"/lessons/08-replicasets/1/$"))
    page.get_by_role("button", name="Run in the console").first.click()  # the apply heredoc, over the socket
    terminal.shows(page, "replicaset.apps/web created")  # drawn by xterm.js, its style elements let in by the nonce
    framed = page.frame_locator("#lesson-picture iframe")
    framed.locator("li.pod", has_text="web-").first.wait_for(timeout=30_000)

    settled(page, reported, "lesson step")
