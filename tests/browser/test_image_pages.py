"""The image pages in a real browser: a Dockerfile built in the page shows its log and its
layers without a reload, a layer's files and a directory of the merged tree open in place, and
a broken Dockerfile shows its error at its line. Screenshots go to PLAYGROUND_SCREENSHOTS
(default /tmp/playground-test-output/screenshots) for a person to look at."""
from __future__ import annotations

import os
from pathlib import Path

from tests.browser.test_cluster_page import page, pytestmark, server  # noqa: F401 - the same fixtures and skip

SCREENSHOTS = Path(os.environ.get("PLAYGROUND_SCREENSHOTS", "/tmp/playground-test-output/screenshots"))
DOCKERFILE = """FROM alpine:3.20
RUN apk add curl
RUN rm -rf /var/cache/apk/*
COPY app.sh /app/
CMD ["sh", "/app/app.sh"]
"""


def screenshot(page, name: str) -> None:  # noqa: F811
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_a_dockerfile_built_in_the_page_shows_its_layers(server, page):  # noqa: F811
    url, _ = server
    page.goto(f"{url}/clusters/default/images/build/")
    page.evaluate("window.notReloaded = true")

    page.get_by_label("Dockerfile").fill(DOCKERFILE)
    page.get_by_label("file 1 name").fill("app.sh")
    page.get_by_label("file 1 content").fill("echo hello\n")
    page.get_by_label("tag").fill("hello:1")
    page.get_by_role("button", name="Build").click()

    result = page.locator('section[aria-label="build result"]')
    result.locator(".layer-stack").wait_for(timeout=15_000)
    assert "naming to docker.io/library/hello:1 done" in result.locator(".build-log").inner_text()
    instructions = result.locator(".created-by").all_inner_texts()
    assert instructions[:3] == ["COPY app.sh /app/ # buildkit", "RUN /bin/sh -c rm -rf /var/cache/apk/* # buildkit",
                                "RUN /bin/sh -c apk add curl # buildkit"]  # newest on top
    assert page.evaluate("window.notReloaded") is True
    screenshot(page, "image-build")

    # The layer's files open in place (htmx), the rm only added whiteouts
    rm_layer = result.locator("li.layer", has_text="rm -rf /var/cache/apk")
    rm_layer.locator("summary").click()
    rm_layer.locator(".layer-diff ul.removed code").first.wait_for(timeout=10_000)
    assert "/var/cache/apk" in rm_layer.locator(".layer-diff ul.removed").inner_text()

    # The built image's page: the merged tree a directory at a time
    page.get_by_role("link", name="hello:1").click()
    page.locator('section[aria-label="merged tree"]').wait_for(timeout=10_000)
    app = page.locator('li.dir[data-path="/app"]')
    app.locator("summary").first.click()
    app.locator('li[data-path="/app/app.sh"]').wait_for(timeout=10_000)
    assert "layer" in app.locator('li[data-path="/app/app.sh"] .origin').inner_text()
    screenshot(page, "image-layers")


def test_a_broken_dockerfile_shows_its_error_at_its_line(server, page):  # noqa: F811
    url, _ = server
    page.goto(f"{url}/clusters/default/images/build/")

    page.get_by_label("Dockerfile").fill("FROM alpine:3.20\nRUN apk add nosuchpackage\n")
    page.get_by_role("button", name="Build").click()

    bad = page.locator(".dockerfile-lines li.bad")
    bad.wait_for(timeout=15_000)
    assert "RUN apk add nosuchpackage" in bad.inner_text()
    assert "line 2" in page.locator("#build-result .error").inner_text()
    screenshot(page, "image-build-error")
