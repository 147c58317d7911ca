"""The controller loop page in a real browser: it opens with what the controllers did before it was
open (the first rollout); with the clock paused, each press of Step runs one reconcile, and the
page follows, live, while a rolling update moves within its bounds.
Screenshots go to PLAYGROUND_SCREENSHOTS (default /tmp/playground-test-output/screenshots)."""
from __future__ import annotations

import os
from pathlib import Path

from tests.browser.test_cluster_page import page, pytestmark, server  # noqa: F401 - the same fixtures and skip

SCREENSHOTS = Path(os.environ.get("PLAYGROUND_SCREENSHOTS", "/tmp/playground-test-output/screenshots"))
STEPS = 10


def screenshot(page, name: str) -> None:  # noqa: F811
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def now_box(page) -> dict[str, int]:  # noqa: F811
    box = page.locator('[aria-label="now"]')
    counters = {name: int(box.locator(f'[data-counter="{name}"] strong').inner_text())
                for name in ("desired", "available", "pods")}
    return {**counters, "max_pods": int(box.get_attribute("data-max-pods")),
            "min_available": int(box.get_attribute("data-min-available"))}


def test_step_adds_one_record_per_reconcile_during_a_rollout(server, page):  # noqa: F811
    url, manage = server
    manage("apply", "-f", "examples/nginx-deployment.yaml")
    page.goto(f"{url}/clusters/default/deployments/default/nginx/")
    page.locator('article[aria-label="revision 1"] li.pod.ready').nth(2).wait_for(timeout=15_000)
    manage("clock", "pause")
    manage("set", "image", "deployment/nginx", "nginx=nginx:1.28")  # waits for Step: the clock is paused

    page.get_by_role("link", name="Watch the controller loop").click()
    page.locator("#loop-live").wait_for(timeout=15_000)
    page.evaluate("window.notReloaded = true")
    assert page.locator("li.reconcile", has_text="created ReplicaSet nginx-").count() == 1  # recorded before the page was open
    shown_before = page.locator("li.reconcile").count()
    ran = int(page.locator("#loop-live h2").get_attribute("data-newest-seq"))

    for step in range(1, STEPS + 1):
        page.get_by_role("button", name="Step").click()
        # One Step, one reconcile: the cluster's count moves by one, live
        page.locator(f'#loop-live h2[data-newest-seq="{ran + step}"]').wait_for(timeout=10_000)
        counts = now_box(page)
        assert counts["pods"] <= counts["max_pods"] == 4  # 3 + maxSurge 25% (rounded up)
        assert counts["available"] >= counts["min_available"] == 3  # 3 - maxUnavailable 25% (rounded down)

    assert page.locator("li.reconcile").count() > shown_before
    created = page.locator("li.reconcile", has_text="created ReplicaSet nginx-")
    assert created.count() == 2  # the first rollout's and, newest first, the one the Steps made
    assert "deployment-controller" in created.first.inner_text()
    assert "Observed (actual)" in created.first.inner_text() and "Desired (expected)" in created.first.inner_text()
    assert page.locator("li.gap").last.inner_text().startswith("Gap: ")  # before the oldest kept: dropped, or the start
    assert page.evaluate("window.notReloaded") is True
    screenshot(page, "controller-loop")

    page.goto(f"{url}/clusters/default/deployments/default/nginx/")
    page.locator('figure.deployment-chart polyline[data-series="ready"]').wait_for(timeout=15_000)
    screenshot(page, "deployment-chart")
