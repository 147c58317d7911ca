"""The Pod page in a real browser: "Fail liveness" shows, without a reload, the failed probes and
the kill on the container's health timeline beside the button; the volume is drawn from its
ConfigMap to the container's mount. Screenshots at 1440 and 1920 pixels go beside the others."""
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
    livenessProbe: {httpGet: {path: /, port: 80}, periodSeconds: 5, failureThreshold: 2}
    volumeMounts: [{name: settings, mountPath: /etc/app}]
  volumes: [{name: settings, configMap: {name: settings}}]
"""


def test_failing_liveness_draws_the_failures_and_the_kill_live(server, page, tmp_path: Path):  # noqa: F811
    url, manage = server
    dialogs = watch_for_scripts(page)
    apply(manage, tmp_path, MANIFESTS)
    page.set_viewport_size({"width": 1440, "height": 1000})
    page.goto(f"{url}/clusters/default/pods/default/web/")
    health = page.locator('article[aria-label="health of nginx"]')
    health.locator('[data-lane="runs"] rect.run').first.wait_for(timeout=30_000)
    volume = page.locator('[data-volume="settings"]')
    assert volume.locator(".wire-sources").inner_text().startswith("ConfigMap settings")
    assert "/etc/app" in volume.locator(".wire-mounts").inner_text()

    page.get_by_role("button", name="Fail liveness nginx").click()

    # No reload: the kubelet's kill is a status change, and the socket brings the timeline with it
    health.locator('[data-lane="runs"] g.exit').first.wait_for(timeout=30_000)
    assert health.locator('[data-lane="liveness"] .result.fail').count() >= 1
    assert "Last failure, liveness" in health.inner_text() and dialogs == []
    screenshot(page, "pod-1440")
    page.set_viewport_size({"width": 1920, "height": 1080})
    screenshot(page, "pod-1920")
