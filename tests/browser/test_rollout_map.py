"""A rolling update on the cluster map, in a real browser: the new ReplicaSet's pods come in a
colour of their own beside the old ones (hatched, "an older revision" in the legend), fade in,
and the old ones fade out as they go; with prefers-reduced-motion nothing moves. Screenshots of
the map mid-rollout at 1440 and 1920 pixels go to PLAYGROUND_SCREENSHOTS beside the others."""
from __future__ import annotations

from tests.browser.test_cluster_page import page, pytestmark, server  # noqa: F401 - the same fixtures and skip
from tests.browser.test_object_pages import screenshot

# Counts, across every live frame, the tiles that arrived (.arriving) and the ghosts of tiles that went
WATCH_FADES = """() => {
    window.arrived = new Set(); window.ghosts = 0;
    new MutationObserver(records => {
        for (const r of records) {
            if (r.type === "attributes" && r.target.classList.contains("arriving")) window.arrived.add(r.target.id);
            for (const n of r.addedNodes) if (n.classList && n.classList.contains("pod-ghost")) window.ghosts++;
        }
    }).observe(document.getElementById("nodes").parentElement, {subtree: true, childList: true, attributes: true, attributeFilter: ["class"]});
}"""
NGINX = 'li.pod[id^="pod/default/nginx-"]'


def test_a_rolling_update_replaces_one_colour_by_another_with_tiles_fading_in_and_out(server, page):  # noqa: F811
    url, manage = server
    manage("apply", "-f", "examples/nginx-deployment.yaml")
    page.goto(f"{url}/clusters/default/")
    page.locator(f"{NGINX}.ready.rev").nth(2).wait_for(timeout=15_000)
    page.evaluate(WATCH_FADES)

    # Less motion asked for: the surge pod of the new revision appears without a fade
    page.emulate_media(reduced_motion="reduce")
    page.locator('#clock button[value="pause"]').click()
    page.locator('#clock button[value="step"]').wait_for()
    manage("set", "image", "deployment/nginx", "nginx=nginx:1.28")
    new = page.locator(f"{NGINX}.rev:not(.old-revision)", has_text="r2")
    for _ in range(10):  # a reconcile a click: the Deployment makes its new ReplicaSet, which makes the surge pod
        with page.expect_response(lambda response: response.url.endswith("/clock/")):
            page.locator('#clock button[value="step"]').click()
        taken(manage)
        if surge_pod_created(manage):  # asked of the store: one click too many would make it Ready and retire an old pod
            break
    new.first.wait_for(timeout=20_000)
    old = page.locator(f"{NGINX}.old-revision", has_text="r1")
    old.nth(2).wait_for(timeout=20_000)
    assert old.count() == 3
    assert old.first.get_attribute("class").split()[3] != new.first.get_attribute("class").split()[3]  # rev-N
    legend = page.locator("#rollout-legend")
    assert legend.locator('[data-owner="deployment/nginx"][data-revision="r2"]').inner_text().endswith("the newest revision")
    assert "an older revision, being replaced" in legend.locator('[data-owner="deployment/nginx"][data-revision="r1"]').inner_text()
    assert page.evaluate("window.arrived.size") == 0
    for width in (1440, 1920):
        page.set_viewport_size({"width": width, "height": 1000})
        screenshot(page, f"cluster-rollout-{width}")

    page.emulate_media(reduced_motion="no-preference")
    page.locator('#clock button[value="instant"]').click()

    page.locator(f"{NGINX}.old-revision").first.wait_for(state="detached", timeout=20_000)
    page.locator(f"{NGINX}.ready", has_text="r2").nth(2).wait_for(timeout=20_000)
    assert page.locator('#rollout-legend [data-owner="deployment/nginx"]').count() == 1
    assert page.evaluate("window.arrived.size") >= 2  # the other two new pods faded in
    assert page.evaluate("window.ghosts") >= 1  # and the old ones out


def taken(manage) -> None:
    """Wait until the controller manager has taken the Step just pressed (and run its reconcile)."""
    for _ in range(100):
        if "waiting" not in manage("clock", "show").stdout:
            return
    raise AssertionError("the Step was never taken")


def surge_pod_created(manage) -> bool:
    """The new ReplicaSet has its first pod (kubectl get rs: DESIRED CURRENT READY AGE)."""
    rows = [line.split() for line in manage("get", "replicasets", "-l", "app=nginx").stdout.splitlines()[1:]]
    return len(rows) == 2 and all(row[2] != "0" for row in rows)
