"""Every page, read by a real accessibility engine: axe-core (vendored in tests/browser/vendor,
MPL-2.0) finds no text below WCAG AA contrast and no unlabelled control on any page, nor in
projector mode; no page scrolls sideways at 800 pixels; a screenshot of each page at 1440 and
1920 pixels goes to PLAYGROUND_SCREENSHOTS (default /tmp/playground-test-output/screenshots) for
a person to look at. Projector mode is a toggle the cluster page remembers."""
from __future__ import annotations

import json
import re
import os
from pathlib import Path

from tests.browser.test_cluster_page import page, pytestmark, server  # noqa: F401 - the same fixtures and skip
from tests.browser.test_object_pages import MANIFESTS, apply

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
SCREENSHOTS = Path(os.environ.get("PLAYGROUND_SCREENSHOTS", "/tmp/playground-test-output/screenshots"))
WIDTHS = (1440, 1920)
NARROW = 800  # a laptop with the editor beside it
# Contrast, and every control, image and region named for a screen reader
RULES = ["color-contrast", "label", "button-name", "link-name", "select-name", "image-alt", "aria-input-field-name",
         "input-button-name", "document-title", "html-has-lang", "frame-title", "aria-meter-name"]


def axe_violations(page) -> list[dict]:  # noqa: F811
    """The violations axe-core finds for RULES, each with the first few offending elements."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text())  # evaluated, not a <script> tag: the pages' CSP allows no other script
    result = page.evaluate("rules => axe.run(document, {runOnly: {type: 'rule', values: rules}})", RULES)
    return [{"rule": v["id"], "help": v["help"],
             "nodes": [(n["target"], n.get("failureSummary", "")[:200]) for n in v["nodes"][:5]]}
            for v in result["violations"]]


def pages(url: str, manage) -> dict[str, str]:
    """Name → address of every kind of page, for objects the walk made."""
    def first(kind: str, selector: str) -> str:
        out = manage("get", kind, "-l", selector, "-o", "name").stdout.split()
        return out[0].split("/", 1)[1]

    pod = first("pods", "app=nginx")
    c = f"{url}/clusters/default"
    return {
        "cluster": f"{c}/", "objects": f"{c}/objects/", "events": f"{c}/events/", "dns": f"{c}/dns/",
        "loop": f"{c}/loop/?kind=Deployment&namespace=default&name=nginx", "images": f"{c}/images/", "image": f"{c}/images/nginx:1.27/",
        "image-build": f"{c}/images/build/", "editor": f"{c}/new/", "editor-deployment": f"{c}/new/Deployment/",
        "deployment": f"{c}/deployments/default/nginx/",
        "replicaset": f"{c}/replicasets/default/{first('replicasets', 'app=nginx')}/",
        "pod": f"{c}/pods/default/{pod}/", "container-fs": f"{c}/pods/default/{pod}/containers/nginx/fs/",
        "node": f"{c}/nodes/playground-worker/", "namespace": f"{c}/namespaces/default/",
        "service": f"{c}/services/default/web/", "statefulset": f"{c}/statefulsets/default/db/",
        "daemonset": f"{c}/daemonsets/kube-system/kube-proxy/", "configmap": f"{c}/configmaps/default/settings/",
        "secret": f"{c}/secrets/default/db/", "projector": f"{c}/?projector=1",
        "persistentvolumeclaim": f"{c}/persistentvolumeclaims/default/data-db-0/",
        "persistentvolume": f"{c}/persistentvolumes/{manage('get', 'pv', '-o', 'name').stdout.split()[0].split('/', 1)[1]}/",
        "clusters": f"{url}/clusters/", "lessons": f"{url}/lessons/", "lesson": f"{url}/lessons/09-deployments/",
        "lesson-step": f"{url}/lessons/09-deployments/1/",  # started by the walk first: the step is the learner's
    }


def test_every_page_meets_wcag_aa_fits_800_pixels_and_projector_mode_is_remembered(server, page, tmp_path):  # noqa: F811
    url, manage = server
    manage("apply", "-f", "examples/nginx-deployment.yaml")
    apply(manage, tmp_path, MANIFESTS)
    page.goto(f"{url}/clusters/default/")
    page.locator("li.pod.ready", has_text="db-1").wait_for(timeout=20_000)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    found, sideways = {}, {}
    page.goto(f"{url}/lessons/09-deployments/")
    page.get_by_role("button", name=re.compile("Start")).click()
    page.wait_for_url("**/lessons/09-deployments/1/")
    for name, address in pages(url, manage).items():
        page.set_viewport_size({"width": WIDTHS[0], "height": 1080})
        response = page.goto(address)
        assert response.status == 200, (name, response.status)
        for width in WIDTHS:  # the same page, resized: no second load
            page.set_viewport_size({"width": width, "height": 1080})
            page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)
            if width == WIDTHS[0] or name == "projector":  # colours and names do not change with the width
                if violations := axe_violations(page):
                    found[f"{name} at {width}"] = violations
        page.set_viewport_size({"width": NARROW, "height": 1080})  # a narrow window: the page never scrolls sideways
        if (scroll := page.evaluate("document.documentElement.scrollWidth")) > NARROW:
            sideways[name] = scroll
    (SCREENSHOTS / "axe-violations.json").write_text(json.dumps(found, indent=1))  # the whole list, to read
    assert found == {}, json.dumps(found, indent=1)[:4000]
    assert sideways == {}, f"pages wider than {NARROW} px at {NARROW} px: {sideways}"
    projector_mode_is_a_toggle_the_cluster_page_remembers(page, url)


def projector_mode_is_a_toggle_the_cluster_page_remembers(page, url: str) -> None:  # noqa: F811
    page.context.clear_cookies()
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(f"{url}/clusters/default/")
    normal = tile_font_size(page)
    icon = page.locator('link[rel="icon"]').get_attribute("href")

    page.get_by_role("link", name="Projector mode").click()
    page.wait_for_url("**/?projector=1")
    large = tile_font_size(page)
    page.goto(f"{url}/clusters/default/")  # no parameter: remembered
    remembered = page.evaluate("document.documentElement.classList.contains('projector')")
    page.get_by_role("link", name="Leave projector mode").click()
    page.wait_for_url("**/?projector=0")
    page.goto(f"{url}/clusters/default/")

    assert large >= 20 and large >= 1.4 * normal  # px: readable from the back of a room
    assert remembered
    assert not page.evaluate("document.documentElement.classList.contains('projector')")
    favicon = page.request.get(url + icon)
    assert favicon.status == 200 and favicon.headers["content-type"].startswith("image/svg+xml")


def tile_font_size(page) -> float:  # noqa: F811
    page.locator("#nodes li.pod.ready").first.wait_for(timeout=15_000)  # a tile on a node, not in a legend
    return page.evaluate("parseFloat(getComputedStyle(document.querySelector('#nodes li.pod')).fontSize)")
