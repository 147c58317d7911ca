"""The object pages in a real browser: a pod deleted from its Pod page is replaced on its
ReplicaSet's page without a reload; hostile labels, annotations and values run nothing; a
Secret's value appears only after its Reveal click; and a screenshot of each page goes to
PLAYGROUND_SCREENSHOTS (default /tmp/playground-test-output/screenshots) for a person to look at."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.browser.test_cluster_page import page, pytestmark, server  # noqa: F401 - the same fixtures and skip

SCREENSHOTS = Path(os.environ.get("PLAYGROUND_SCREENSHOTS", "/tmp/playground-test-output/screenshots"))
HOSTILE = '"><img src=x onerror="window.xss=1;alert(1)">'
MANIFESTS = """
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: web
  annotations:
    note: '%(hostile)s'
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        ports: [{name: http, containerPort: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  annotations:
    note: '%(hostile)s'
data:
  page: "<script>window.xss=1;alert(1)</script>"
---
apiVersion: v1
kind: Secret
metadata: {name: db}
stringData: {password: s3cr3t-hunter2}
---
apiVersion: v1
kind: Service
metadata: {name: db}
spec:
  clusterIP: None
  selector: {app: db}
  ports: [{name: pg, port: 5432}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 2
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers:
      - name: db
        image: redis:7.4
        volumeMounts: [{name: data, mountPath: /data}]
  volumeClaimTemplates:
  - metadata: {name: data}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
""" % {"hostile": HOSTILE.replace("'", "''")}
SECRET_READER = """
apiVersion: v1
kind: Pod
metadata: {name: reader}
spec:
  containers:
  - name: main
    image: nginx:1.27
    env: [{name: PASSWORD, valueFrom: {secretKeyRef: {name: db, key: password}}}]
"""
SCRIPT_LABEL = """
apiVersion: v1
kind: Pod
metadata:
  name: labelled
  labels: {note: "<script>alert(1)</script>"}
spec:
  containers: [{name: main, image: nginx:1.27}]
"""


def screenshot(page, name: str) -> None:  # noqa: F811
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def apply(manage, tmp_path: Path, text: str) -> None:
    path = tmp_path / "objects.yaml"
    path.write_text(text)
    manage("apply", "-f", str(path))


def watch_for_scripts(page) -> list[str]:  # noqa: F811
    """Every dialog a script opens on the page (none is the answer wanted)."""
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    return dialogs


def test_a_pod_deleted_from_its_page_is_replaced_on_the_replica_set_page_live(server, page, tmp_path):  # noqa: F811
    url, manage = server
    apply(manage, tmp_path, MANIFESTS)
    page.goto(f"{url}/clusters/default/replicasets/default/web/")
    tiles = page.locator('ul[aria-label="pods"] li.pod.ready a.name')
    tiles.nth(1).wait_for(timeout=15_000)
    before = sorted(tiles.all_inner_texts())
    page.evaluate("window.notReloaded = true")
    screenshot(page, "replicaset")

    pod_page = page.context.browser.new_page()  # a second window
    pod_page.goto(f"{url}/clusters/default/pods/default/{before[0]}/")
    screenshot(pod_page, "pod")
    pod_page.get_by_role("button", name="Delete pod").click()
    pod_page.locator(".actions pre.done").wait_for(timeout=15_000)
    assert f'pod "{before[0]}" deleted' in pod_page.locator(".actions pre.done").inner_text()

    # No reload: the socket brings the replacement, and the deleted pod goes
    page.wait_for_function(
        """([gone]) => { const names = [...document.querySelectorAll('ul[aria-label="pods"] li.pod.ready a.name')].map(a => a.textContent);
             return names.length === 2 && !names.includes(gone); }""",
        arg=[before[0]], timeout=20_000,
    )
    assert page.evaluate("window.notReloaded") is True
    assert before[1] in page.locator('ul[aria-label="pods"]').inner_text()


def test_hostile_strings_run_nothing_and_a_secret_shows_only_when_revealed(server, page, tmp_path):  # noqa: F811
    url, manage = server
    dialogs = watch_for_scripts(page)
    apply(manage, tmp_path, MANIFESTS)
    for path in ("/clusters/default/configmaps/default/settings/", "/clusters/default/replicasets/default/web/",
                 "/clusters/default/namespaces/default/", "/clusters/default/objects/", "/clusters/default/events/"):
        page.goto(url + path)
        page.wait_for_load_state("load")
        assert page.evaluate("window.xss") is None, path
    assert dialogs == []
    page.goto(url + "/clusters/default/configmaps/default/settings/")
    assert "<script>window.xss=1;alert(1)</script>" in page.locator('table[aria-label="data"]').inner_text()
    screenshot(page, "configmap")

    page.goto(f"{url}/clusters/default/secrets/default/db/")
    assert "s3cr3t-hunter2" not in page.content()
    page.get_by_role("button", name="reveal password").click()
    page.locator("pre.revealed").wait_for(timeout=15_000)
    assert page.locator("pre.revealed").inner_text() == "s3cr3t-hunter2"
    screenshot(page, "secret")


def test_a_revealed_value_stays_while_pods_change_and_hides_when_the_secret_changes(server, page, tmp_path):  # noqa: F811
    url, manage = server
    apply(manage, tmp_path, MANIFESTS)
    page.goto(f"{url}/clusters/default/secrets/default/db/")
    page.get_by_role("button", name="reveal password").click()
    page.locator("pre.revealed").wait_for(timeout=15_000)

    # A pod that reads the Secret redraws the page's live part: the value revealed stays
    apply(manage, tmp_path, SECRET_READER)
    page.locator('ul[aria-label="used by"] a', has_text="reader").wait_for(timeout=15_000)
    assert page.locator("pre.revealed").inner_text() == "s3cr3t-hunter2"

    # A new value is masked until revealed again
    apply(manage, tmp_path, "apiVersion: v1\nkind: Secret\nmetadata: {name: db}\nstringData: {password: rotated}\n")
    page.get_by_role("button", name="reveal password").wait_for(timeout=15_000)
    assert "rotated" not in page.content() and "s3cr3t-hunter2" not in page.content()


def test_a_label_with_a_script_is_refused_by_the_store(server, tmp_path):  # noqa: F811
    url, manage = server
    path = tmp_path / "label.yaml"
    path.write_text(SCRIPT_LABEL)

    try:
        manage("apply", "-f", str(path))
    except subprocess.CalledProcessError as e:
        assert "metadata.labels" in e.stderr
    else:
        raise AssertionError("a label value with <script> was stored")


def test_a_screenshot_of_each_page(server, page, tmp_path):  # noqa: F811
    url, manage = server
    apply(manage, tmp_path, MANIFESTS)
    page.goto(f"{url}/clusters/default/statefulsets/default/db/")
    page.locator('tr[data-ordinal="1"] li.pod.ready').wait_for(timeout=60_000)  # OrderedReady: db-0 first
    page.locator('tr[data-ordinal="1"] .claim', has_text="Bound").wait_for(timeout=10_000)
    screenshot(page, "statefulset")
    pages = {
        "cluster": "/clusters/default/",
        "cluster-filtered": "/clusters/default/?namespace=kube-system",
        "node": "/clusters/default/nodes/playground-worker/",
        "namespace": "/clusters/default/namespaces/default/",
        "events": "/clusters/default/events/",
        "events-warnings": "/clusters/default/events/?type=Warning",
        "service": "/clusters/default/services/default/web/",
        "dns": "/clusters/default/dns/?name=db-0.db&namespace=default",
        "daemonset": "/clusters/default/daemonsets/kube-system/kube-proxy/",
        "objects": "/clusters/default/objects/",
    }
    for name, path in pages.items():
        response = page.goto(url + path)
        assert response.status == 200, path
        screenshot(page, name)
    page.goto(f"{url}/clusters/default/dns/?name=db-0.db&namespace=default")
    assert "db-0.db.default.svc.cluster.local." in page.locator('pre[aria-label="answer"]').inner_text()
