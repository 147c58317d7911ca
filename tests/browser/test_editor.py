"""The manifest editor in a real browser: a Deployment made with the form, its YAML following the
form as it is edited, its pods turning Ready on its page without a reload; and broken YAML
showing its error at its line. Screenshots go to PLAYGROUND_SCREENSHOTS (default
/tmp/playground-test-output/screenshots) for a person to look at."""
from __future__ import annotations

import base64
import json
import os
import re
from pathlib import Path

import yaml

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


# -- The editor never undoes what it did not touch (issue 15) --------------------------------------


def stored(page, url: str, kind: str, name: str) -> dict:  # noqa: F811
    """The object as the download gives it (`get -o yaml`): an HTTP request, not a CLI process."""
    return yaml.safe_load(page.request.get(f"{url}/clusters/default/download/{kind}/default/{name}.yaml").text())


def stored(page, url: str, kind: str, name: str) -> dict:  # noqa: F811
    """The object as the download gives it (`get -o yaml`): an HTTP request, not a CLI process."""
    return yaml.safe_load(page.request.get(f"{url}/clusters/default/download/{kind}/default/{name}.yaml").text())


def test_the_editor_never_undoes_what_it_did_not_touch(server, page):  # noqa: F811
    url, _ = server
    data = {f"key-{n:03}": f"value {n}" for n in range(150)}
    password = base64.b64encode(b"hunter22").decode()
    example = yaml.safe_load((Path(__file__).resolve().parents[2] / "examples" / "nginx-deployment.yaml").read_text())
    page.goto(f"{url}/clusters/default/upload/")
    page.locator("#manifest").fill(json.dumps({"apiVersion": "v1", "kind": "List", "items": [
        example,
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "big"}, "data": data},
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db"},
         "data": {"password": password, "user": base64.b64encode(b"admin").decode()}},
    ]}))
    page.get_by_role("button", name="Apply").click()
    page.locator('section[aria-label="results"]', has_text="secret/db created").wait_for(timeout=10_000)
    # Scaled and its image set outside the editor (the page's buttons are `kubectl scale` and `set image`)
    page.goto(f"{url}/clusters/default/deployments/default/nginx/")
    page.get_by_role("spinbutton", name="replicas").fill("5")
    page.get_by_role("button", name="Scale").click()
    page.locator('article[aria-label="revision 1"] li.pod').nth(4).wait_for(timeout=15_000)
    page.get_by_label("image").fill("nginx:1.28")
    page.get_by_role("button", name="Set image").click()
    page.locator('article[aria-label="revision 2"]').wait_for(timeout=15_000)
    assert "nginx:1.28" in stored(page, url, "Deployment", "nginx")["spec"]["template"]["spec"]["containers"][0]["image"]

    # Edit as form, change nothing, preview: no change (it showed replicas 5 → 3 and the image going back)
    page.get_by_role("link", name="Edit as form").click()
    assert page.locator("#id_replicas").input_value() == "5"
    page.get_by_role("button", name="Preview diff").click()
    page.locator('section[aria-label="diff"]', has_text="No change").wait_for(timeout=10_000)
    screenshot(page, "editor-edit-live-object")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url(re.compile(r".*/clusters/default/deployments/default/nginx/$"), timeout=10_000)
    live = stored(page, url, "Deployment", "nginx")
    assert live["spec"]["replicas"] == 5
    assert live["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.28"

    # New Deployment starts from a free name; the name of one that exists is refused, with a link to it
    page.goto(f"{url}/clusters/default/new/Deployment/")
    assert page.locator("#id_name").input_value() == "nginx-2"
    page.locator("#id_name").fill("nginx")
    page.locator("#id_name").dispatch_event("change")
    page.wait_for_function("() => document.getElementById('yaml').value.includes('name: nginx\\n')", timeout=10_000)
    page.get_by_role("button", name="Apply").click()
    message = page.locator("#editor-messages", has_text="AlreadyExists")
    message.wait_for(timeout=10_000)
    assert 'deployments.apps "nginx" already exists' in message.inner_text()
    screenshot(page, "editor-new-name-exists")
    page.get_by_role("link", name="edit the existing one").click()
    page.wait_for_url(re.compile(r".*/clusters/default/edit/Deployment/default/nginx/$"), timeout=10_000)
    assert stored(page, url, "Deployment", "nginx")["spec"]["replicas"] == 5

    # A ConfigMap of 150 keys: one edited in the form, all 150 kept (it kept 100)
    page.goto(f"{url}/clusters/default/edit/ConfigMap/default/big/")
    page.locator('textarea[name="data-0-value"]').fill("changed")
    page.locator('textarea[name="data-0-value"]').dispatch_event("change")
    page.wait_for_function("() => document.getElementById('yaml').value.includes('key-000: changed')", timeout=10_000)
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url(re.compile(r".*/clusters/default/configmaps/default/big/$"), timeout=10_000)
    assert stored(page, url, "ConfigMap", "big")["data"] == {**data, "key-000": "changed"}

    # A Secret's edit page and its download hold no value; an edit of one key keeps the other
    page.goto(f"{url}/clusters/default/edit/Secret/default/db/")
    for secret in ("hunter22", password, "admin"):
        assert secret not in page.content()
    assert password not in page.request.get(f"{url}/clusters/default/download/Secret/default/db.yaml").text()
    screenshot(page, "editor-secret-masked")
    user = page.locator("tr", has=page.locator('input[value="user"]')).locator("input.secret-value")
    user.fill("root")
    user.dispatch_event("change")
    page.wait_for_function("() => document.getElementById('yaml').value.includes('user: cm9vdA==')", timeout=10_000)
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url(re.compile(r".*/clusters/default/secrets/default/db/$"), timeout=10_000)
    page.goto(f"{url}/clusters/default/edit/Secret/default/db/")
    with page.expect_download() as download:  # the values only by a deliberate POST
        page.get_by_role("button", name="Download with values").click()
    values = yaml.safe_load(Path(download.value.path()).read_text())["data"]
    assert values == {"password": password, "user": base64.b64encode(b"root").decode()}
