"""The Deployment page in a real browser: "Set image" rolls out a new revision, and the page
shows the new revision's pods turn Ready and the old revision drain, without a reload, its
rollout buttons left in place the while."""
from __future__ import annotations

from tests.browser.test_cluster_page import page, pytestmark, server  # noqa: F401 - the same fixtures and skip


def test_set_image_rolls_out_a_new_revision_live(server, page):  # noqa: F811
    url, manage = server
    manage("apply", "-f", "examples/nginx-deployment.yaml")
    page.goto(f"{url}/clusters/default/deployments/default/nginx/")
    first = page.locator('article[aria-label="revision 1"]')
    first.locator("li.pod.ready").nth(2).wait_for(timeout=15_000)
    page.evaluate("window.notReloaded = true")

    page.get_by_label("image").fill("nginx:1.28")
    page.get_by_role("button", name="Set image").click()

    second = page.locator('article[aria-label="revision 2"]')
    second.locator("li.pod").first.wait_for(timeout=15_000)  # its frame brought the buttons as every frame will
    page.evaluate("window.pauseButton = document.querySelector('#pause-form button')")
    second.locator("li.pod.ready").nth(2).wait_for(timeout=15_000)
    first.locator('.counts[data-desired="0"][data-current="0"]').wait_for(timeout=15_000)
    # Every frame of the rollout sent the buttons again, and the page kept the ones it had: a
    # Pause rollout pressed meanwhile would not be swapped between its press and its release
    assert page.evaluate("document.querySelector('#pause-form button') === window.pauseButton")
    assert "nginx:1.28" in second.locator(".images").inner_text()
    assert page.locator("article.revision").first.get_attribute("aria-label") == "revision 2"  # newest first
    assert page.evaluate("window.notReloaded") is True

    page.get_by_label("image").fill("")  # the store refuses it: the error shows beside the form
    page.get_by_role("button", name="Set image").click()

    page.locator("#image-form .error").wait_for(timeout=15_000)
    assert "Required value" in page.locator("#image-form .error").inner_text()
    assert page.evaluate("window.notReloaded") is True
