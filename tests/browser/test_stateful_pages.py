"""The StatefulSet, Service and DNS pages in a real browser: a StatefulSet's pods come up one
ordinal at a time with a claim each, and on scale-down go from the highest ordinal while their
claims stay; the Service page says which pods get its traffic and why the others do not, live
as a readiness probe fails and heals; the DNS page answers a name typed into its form as CoreDNS
answers a pod. A screenshot of each page goes to PLAYGROUND_SCREENSHOTS beside the others."""
from __future__ import annotations

import json
from pathlib import Path

from tests.browser.test_cluster_page import page, pytestmark, server  # noqa: F401 - the same fixtures and skip
from tests.browser.test_object_pages import apply, screenshot

STATEFUL_SET = """
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  clusterIP: None
  selector: {app: web}
  ports: [{name: http, port: 80}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  serviceName: web
  replicas: %(replicas)d
  podManagementPolicy: %(policy)s
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
        ports: [{name: http, containerPort: 80}]
%(claims)s"""
CLAIM_TEMPLATE = """        volumeMounts: [{name: data, mountPath: /usr/share/nginx/html}]
  volumeClaimTemplates:
  - metadata: {name: data}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
"""
SERVICE = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
        ports: [{name: http, containerPort: 80}]
        readinessProbe: {httpGet: {path: /, port: http}, periodSeconds: 5, failureThreshold: 1}
---
apiVersion: v1
kind: Pod
metadata:
  name: other
  labels: {app: api}
spec:
  containers:
  - name: nginx
    image: nginx:1.27
    ports: [{name: http, containerPort: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}]
"""
FRONT = """
apiVersion: v1
kind: Service
metadata: {name: front}
spec:
  selector: {app: web}
  ports: [{name: http, port: 8080, targetPort: http}]
"""

# Every frame the socket swaps in is checked against OrderedReady's rules: a pod of ordinal N is
# created only once N-1 is Running and Ready; on scale-down, the highest ordinal goes first.
WATCH_ORDER = """() => {
    window.orderBroken = [];
    const tile = n => document.querySelector(`#statefulset-live tr[data-ordinal="${n}"] li.pod`);
    const check = () => {
        for (const n of [0, 1, 2]) {
            const pod = tile(n), before = n > 0 ? tile(n - 1) : null, after = tile(n + 1);
            if (n > 0 && pod && !pod.classList.contains("terminating") && !(before && before.classList.contains("ready")))
                window.orderBroken.push(`web-${n} exists while web-${n - 1} is not Ready`);
            if (pod && pod.classList.contains("terminating") && after)
                window.orderBroken.push(`web-${n} terminates while web-${n + 1} is still there`);
            if (!pod && after)
                window.orderBroken.push(`web-${n + 1} is there without web-${n}`);
        }
    };
    new MutationObserver(check).observe(document.body, {childList: true, subtree: true});
}"""


def get(manage, *resources: str) -> dict[str, dict]:
    """`get -o json` of these resources (TYPE/NAME each, or one TYPE), by name."""
    found = json.loads(manage("get", *resources, "-o", "json").stdout)
    return {obj["metadata"]["name"]: obj for obj in found.get("items", [found])}


def test_a_stateful_set_comes_up_in_order_and_scales_down_keeping_its_claims(server, page, tmp_path: Path):  # noqa: F811
    url, manage = server
    manage("clock", "pause")  # nothing moves until the page is open
    apply(manage, tmp_path, STATEFUL_SET % {"replicas": 3, "policy": "OrderedReady", "claims": CLAIM_TEMPLATE})
    page.goto(f"{url}/clusters/default/statefulsets/default/web/")
    for n in range(3):
        row = page.locator(f'table[aria-label="ordinals"] tr[data-ordinal="{n}"]')
        assert row.locator(".why").inner_text() == f"web-{n}: not created yet"
        assert "not created yet" in row.locator(f'.claim[data-claim="data-web-{n}"]').inner_text()
    assert page.locator('[data-counter="readyReplicas"]').inner_text() == "0"
    page.evaluate("window.notReloaded = true")
    page.evaluate(WATCH_ORDER)

    manage("clock", "instant")

    # No reload: the socket brings web-0, then web-1, then web-2, each Ready, each with its claim Bound
    page.locator('tr[data-ordinal="2"] li.pod.ready').wait_for(timeout=30_000)
    page.locator('[data-counter="readyReplicas"]', has_text="3").wait_for(timeout=15_000)
    for n in range(3):
        row = page.locator(f'tr[data-ordinal="{n}"]')
        assert row.locator("li.pod.ready a.name").inner_text() == f"web-{n}"
        row.locator(f'.claim[data-claim="data-web-{n}"]', has_text="Bound").wait_for(timeout=15_000)
    claims = get(manage, "pvc")
    for n in range(3):
        claim = claims[f"data-web-{n}"]["spec"]
        assert claim["storageClassName"] == "standard"  # the default StorageClass
        assert claim["volumeName"] in page.locator(f'tr[data-ordinal="{n}"] .claim').inner_text()
    assert page.evaluate("window.orderBroken") == []
    assert page.evaluate("window.notReloaded") is True
    screenshot(page, "statefulset-ordinals")

    manage("scale", "statefulset/web", "--replicas=1")

    page.wait_for_function(
        """() => !document.querySelector('#statefulset-live tr[data-ordinal="1"], #statefulset-live tr[data-ordinal="2"]')""",
        timeout=30_000,
    )
    page.locator('[data-counter="replicas"]', has_text="1").wait_for(timeout=15_000)
    assert page.evaluate("window.orderBroken") == []
    assert page.evaluate("window.notReloaded") is True
    assert page.locator('tr[data-ordinal="0"] li.pod.ready a.name').inner_text() == "web-0"
    assert "Bound" in page.locator('.claim[data-claim="data-web-0"]').inner_text()
    assert "whenScaled: Retain" in page.locator('article[aria-label="statefulset"]').inner_text()
    for n in (1, 2):  # their claims stay on the page, to be given back on scale-up
        kept = page.locator(f'tr[data-retained-ordinal="{n}"] .claim[data-claim="data-web-{n}"]')
        assert "Bound" in kept.inner_text() and "kept (whenScaled: Retain)" in kept.inner_text()

    # The claims of the removed ordinals stay (whenScaled: Retain): kubectl get pvc still lists them
    page.goto(f"{url}/clusters/default/objects/?namespace=default")
    claims = page.locator("section#persistentvolumeclaims pre.kubectl").inner_text()
    pods = page.locator("section#pods pre.kubectl").inner_text()
    for n in range(3):
        assert any(line.startswith(f"data-web-{n} ") and "Bound" in line for line in claims.splitlines()), claims
    assert "web-0 " in pods and "web-1 " not in pods and "web-2 " not in pods


def test_the_service_page_says_which_pods_get_traffic_and_why_not_live(server, page, tmp_path: Path):  # noqa: F811
    url, manage = server
    apply(manage, tmp_path, SERVICE)
    page.goto(f"{url}/clusters/default/services/default/web/")
    receiving = page.locator('table[aria-label="traffic"] tr[data-state="receives"]')
    receiving.nth(1).wait_for(timeout=30_000)
    assert receiving.count() == 2
    first, second = sorted(receiving.locator("td:first-child").all_inner_texts())
    assert first.startswith("web-") and second.startswith("web-")
    for name in (first, second):
        row = page.locator(f'tr[data-pod="{name}"]')
        assert row.locator("td").nth(2).inner_text() == "receives traffic"
        assert "80 → http = 80" in row.inner_text()
    other = page.locator('tr[data-pod="other"]')
    other.locator("td", has_text="labels do not match").wait_for(timeout=15_000)
    assert other.get_attribute("data-state") == "excluded"
    assert "labels do not match: wants app=web; has app=api" in other.inner_text()
    endpoints = page.locator('table[aria-label="endpoints"] tbody tr')
    assert sorted(endpoints.locator("td:nth-child(4)").all_inner_texts()) == [first, second]
    page.evaluate("window.notReloaded = true")

    pod_page = page.context.browser.new_page()  # a second window: the Pod page's fault button
    pod_page.goto(f"{url}/clusters/default/pods/default/{first}/")
    pod_page.get_by_role("button", name="Fail readiness nginx").click()
    pod_page.locator("#action-message pre.done, #action-message .error").wait_for(timeout=15_000)
    assert pod_page.locator("#action-message").inner_text() == "readiness probe of nginx failing"

    # No reload: the probe fails, the pod leaves the ready addresses, the other keeps the traffic
    page.locator(f'tr[data-pod="{first}"][data-state="not-ready"]').wait_for(timeout=30_000)
    row = page.locator(f'tr[data-pod="{first}"]')
    assert row.locator("td").nth(2).inner_text() == "not ready"
    assert "notReadyAddresses" in row.inner_text()
    assert page.locator(f'tr[data-pod="{second}"]').get_attribute("data-state") == "receives"
    ip = get(manage, f"pod/{first}")[first]["status"]["podIP"]
    page.locator('table[aria-label="endpoints"] tr', has_text=ip).filter(has_text="not ready").wait_for(timeout=15_000)
    assert page.evaluate("window.notReloaded") is True
    screenshot(page, "service-not-ready")

    pod_page.get_by_role("button", name="Heal readiness nginx").click()
    pod_page.locator("#action-message", has_text="readiness probe of nginx passing again").wait_for(timeout=15_000)
    page.locator(f'tr[data-pod="{first}"][data-state="receives"]').wait_for(timeout=30_000)
    assert page.locator('table[aria-label="traffic"] tr[data-state="receives"]').count() == 2
    assert page.evaluate("window.notReloaded") is True


def test_the_dns_page_answers_a_name_typed_into_its_form(server, page, tmp_path: Path):  # noqa: F811
    url, manage = server
    manage("clock", "pause")  # no pods yet
    apply(manage, tmp_path, STATEFUL_SET % {"replicas": 2, "policy": "Parallel", "claims": ""} + "---" + FRONT)
    page.goto(f"{url}/clusters/default/dns/")

    def ask(name: str, namespace: str = "default") -> None:
        page.get_by_label("name", exact=True).fill(name)
        page.get_by_label("from a pod in").select_option(namespace)
        with page.expect_navigation(timeout=15_000):  # the form's GET: a new page
            page.get_by_role("button", name="Resolve").click()
        assert page.locator("#dns-live h2 code").first.inner_text() == name

    # A pod of a headless Service has its own name: none before the pod exists...
    ask("web-0.web")
    assert page.locator('[data-field="rcode"]').inner_text() == "NXDOMAIN"
    assert page.locator('pre[aria-label="answer"]').count() == 0
    page.evaluate("window.notReloaded = true")

    manage("clock", "instant")

    # ...and, without a reload, its address once it is ready
    answer = page.locator('pre[aria-label="answer"]')
    answer.wait_for(timeout=30_000)
    assert page.evaluate("window.notReloaded") is True
    assert page.locator('[data-field="rcode"]').inner_text() == "NOERROR"
    name, _ttl, *web_0 = answer.inner_text().split()
    assert name == "web-0.web.default.svc.cluster.local."
    searched = page.locator('table[aria-label="search path"] tbody tr')  # fewer dots than ndots: the search list first
    assert searched.first.locator("td").all_inner_texts()[1:] == ["web-0.web.default.svc.cluster.local.", "1 record"]
    screenshot(page, "dns-answer")

    # The headless Service's own name: one A record per ready pod
    ask("web.default.svc.cluster.local")
    page.wait_for_function("""() => document.querySelector('pre[aria-label="answer"]')
                                      ?.innerText.trim().split('\\n').length === 2""", timeout=30_000)
    addresses = sorted(line.split()[-1] for line in answer.inner_text().strip().splitlines())
    found = get(manage, "pod/web-0", "pod/web-1", "service/front")
    assert web_0 == ["IN", "A", found["web-0"]["status"]["podIP"]]
    assert addresses == sorted(found[f"web-{n}"]["status"]["podIP"] for n in (0, 1))

    # A Service with a ClusterIP: its one address, not the pods'
    cluster_ip = found["front"]["spec"]["clusterIP"]
    ask("front")
    assert answer.inner_text().split()[-1] == cluster_ip

    # From a pod in another namespace the short name finds nothing; with its namespace it does
    ask("front", "kube-system")
    assert page.locator('[data-field="rcode"]').inner_text() == "NXDOMAIN"
    assert "server can't find front: NXDOMAIN" in page.locator("#dns-live").inner_text()
    ask("front.default", "kube-system")
    assert answer.inner_text().split()[-1] == cluster_ip
