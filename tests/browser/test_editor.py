"""The manifest editor in a real browser: a Deployment made with the form, its YAML following the
form as it is edited, its pods turning Ready on its page without a reload; and broken YAML
showing its error at its line. Screenshots go to PLAYGROUND_SCREENSHOTS (default
/tmp/playground-test-output/screenshots) for a person to look at."""
from __future__ import annotations

import os
import re
from pathlib import Path

from tests.browser.test_cluster_page import page, pytestmark, server  # noqa: F401 - the same fixtures and skip

SCREENSHOTS = Path(os.environ.get("PLAYGROUND_SCREENSHOTS", "/tmp/playground-test-output/screenshots"))


def screenshot(page, name: str) -> None:  # noqa: F811
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_a_deployment_made_with_the_form_comes_up_live(server, page):  # noqa: F811
    url, _ = server
    page.goto(f"{url}/clusters/default/new/Deployment/")
    page.evaluate("window.notReloaded = true")

    page.locator("#id_name").fill("web")
    page.locator("#id_name").dispatch_event("change")
    page.locator("#id_replicas").fill("2")
    page.locator("#id_replicas").dispatch_event("change")

    # The YAML follows the form (an htmx round trip), the page is not reloaded
    yaml_pane = page.locator("#yaml")
    # A function, not an expression: Playwright evals an expression, which the page's CSP forbids
    page.wait_for_function("() => document.getElementById('yaml').value.includes('replicas: 2')", timeout=10_000)
    assert "name: web" in yaml_pane.input_value()
    assert page.evaluate("window.notReloaded") is True
    screenshot(page, "editor-new-deployment")

    page.get_by_role("button", name="Preview diff").click()
    page.locator('section[aria-label="diff"]').wait_for(timeout=10_000)
    assert "deployment.apps/web created (dry run)" in page.locator("#editor-messages").inner_text()
    screenshot(page, "editor-diff-preview")

    page.get_by_role("button", name="Apply").click()
    page.wait_for_url(re.compile(r".*/clusters/default/deployments/default/web/$"), timeout=10_000)
    page.evaluate("window.notReloaded = true")
    page.locator('article[aria-label="revision 1"] li.pod.ready').nth(1).wait_for(timeout=15_000)
    assert page.evaluate("window.notReloaded") is True
    screenshot(page, "editor-applied-deployment")


def test_broken_yaml_shows_the_error_at_its_line(server, page):  # noqa: F811
    url, _ = server
    page.goto(f"{url}/clusters/default/new/Deployment/?view=yaml")
    text = page.locator("#yaml").input_value()
    broken = text.replace("  replicas: 3", "\treplicas: 3")  # a tab: YAML indents with spaces only
    line = broken.splitlines().index("\treplicas: 3") + 1

    page.locator("#yaml").fill(broken)

    error = page.locator("#yaml-errors li").first
    error.wait_for(timeout=10_000)
    assert error.get_attribute("data-line") == str(line)
    assert error.inner_text().startswith(f"line {line}, column 1: invalid YAML: found character")
    screenshot(page, "editor-broken-yaml")

    # An admission error: at the line of its field
    page.locator("#yaml").fill(text.replace("image: nginx:1.27", 'image: ""'))
    page.get_by_role("button", name="Preview diff").click()
    page.locator("#yaml-errors li", has_text="Required value").wait_for(timeout=10_000)
    image_line = text.splitlines().index("        image: nginx:1.27") + 1
    assert page.locator("#yaml-errors li", has_text="Required value").get_attribute("data-line") == str(image_line)


def test_a_secret_value_is_masked_until_revealed(server, page):  # noqa: F811
    url, _ = server
    page.goto(f"{url}/clusters/default/new/Secret/")
    value = page.locator('input[name="data-0-value"]')

    assert value.get_attribute("type") == "password" and value.input_value() == "s3cr3t"
    page.get_by_role("button", name="reveal").first.click()
    assert value.get_attribute("type") == "text"
    yaml_view = page.get_by_label("YAML", exact=True)
    assert yaml_view.evaluate("e => getComputedStyle(e).webkitTextSecurity") == "disc"  # shown as dots
    page.locator("button.reveal-yaml").click()
    assert yaml_view.evaluate("e => getComputedStyle(e).webkitTextSecurity") == "none"
    screenshot(page, "editor-secret-revealed")


def test_an_upload_lists_each_document_as_kubectl_apply_does(server, page):  # noqa: F811
    url, _ = server
    page.goto(f"{url}/clusters/default/upload/")
    manifest = Path(__file__).resolve().parents[2] / "examples" / "nginx-deployment.yaml"

    page.locator('input[type="file"]').set_input_files(str(manifest))
    page.get_by_role("button", name="Apply").click()

    page.locator('section[aria-label="results"]').wait_for(timeout=10_000)
    assert "deployment.apps/nginx created" in page.locator('section[aria-label="results"]').inner_text()
    screenshot(page, "editor-upload")
