"""The container filesystem page in a real browser: from the Pod page's "filesystem" link, a file
written through the form shows in the merged tree from the writable layer, and a screenshot of
the page goes to PLAYGROUND_SCREENSHOTS beside the others."""
from __future__ import annotations

from pathlib import Path

from tests.browser.test_cluster_page import page, pytestmark, server  # noqa: F401 - the same fixtures and skip
from tests.browser.test_object_pages import apply, screenshot, watch_for_scripts

MANIFESTS = """
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {greeting: hello}
---
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
  - name: nginx
    image: nginx:1.27
    volumeMounts: [{name: settings, mountPath: /etc/app}]
  volumes: [{name: settings, configMap: {name: settings}}]
"""


def test_a_file_written_through_the_form_appears_from_the_writable_layer(server, page, tmp_path: Path):  # noqa: F811
    url, manage = server
    dialogs = watch_for_scripts(page)
    apply(manage, tmp_path, MANIFESTS)
    page.goto(f"{url}/clusters/default/pods/default/web/")
    page.locator('article[aria-label="container nginx"] [data-field="state"]', has_text="Running").wait_for(timeout=20_000)
    # Followed by its address: a click can land while the live socket swaps the link for a new one
    page.goto(url + page.get_by_role("link", name="filesystem of nginx").get_attribute("href"))
    page.locator('li[aria-label="mount /etc/app"]').wait_for(timeout=30_000)  # a loaded CI machine is slow

    page.get_by_label("path", exact=True).fill("/tmp/<b>notes.txt")
    page.locator("form.fs-write textarea").fill("<script>window.xss=1</script>")
    page.get_by_role("button", name="Write file").click()

    content = page.locator('pre[aria-label="content"]')
    content.wait_for(timeout=30_000)
    assert content.inner_text() == "<script>window.xss=1</script>"
    page.goto(f"{url}/clusters/default/pods/default/web/containers/nginx/fs/?path=/tmp")
    written = page.locator('tr[data-path="/tmp/<b>notes.txt"]')
    assert written.locator("td.origin").inner_text() == "writable"
    assert written.locator("td.name").inner_text() == "<b>notes.txt"
    assert page.evaluate("window.xss") is None and dialogs == []
    page.goto(f"{url}/clusters/default/pods/default/web/containers/nginx/fs/?path=/etc/app/greeting")
    screenshot(page, "container-fs")
