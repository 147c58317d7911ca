"""Manifest ↔ form without a database: the form is one view of a manifest, so a round trip
through it changes nothing it does not show, and an edit changes only what was edited."""
from __future__ import annotations

import base64
import copy

import pytest

from playground.web import manifest_forms as mf
from tests.factories import deployment


@pytest.mark.parametrize("kind", mf.FORM_KINDS)
def test_every_starting_manifest_survives_a_round_trip_through_its_form(kind):
    manifest = mf.new_manifest(kind)

    new, errors = mf.apply_form(manifest, mf.form_data(manifest))

    assert new == manifest and errors == {}


def test_fields_the_form_does_not_know_are_kept_when_others_change():
    manifest = deployment("web")
    container = manifest["spec"]["template"]["spec"]["containers"][0]
    container["securityContext"] = {"runAsNonRoot": True}
    container["ports"][0]["hostPort"] = 8080  # the ports line shows "80"; the item keeps hostPort
    manifest["spec"]["minReadySeconds"] = 5
    manifest["metadata"]["annotations"] = {"team": "blue"}
    posted = {**mf.form_data(manifest), "replicas": "5", "container-0-image": "nginx:1.28"}

    new, errors = mf.apply_form(manifest, posted)

    expected = copy.deepcopy(manifest)
    expected["spec"]["replicas"] = 5
    expected["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.28"
    assert errors == {}
    assert new == expected


def test_a_field_not_posted_changes_nothing():
    manifest = deployment("web", replicas=2)

    new, _ = mf.apply_form(manifest, {"replicas": "4"})

    assert new["spec"]["replicas"] == 4
    assert new["spec"]["template"] == manifest["spec"]["template"]


def test_an_emptied_field_is_removed_from_the_manifest():
    manifest = deployment("web", replicas=2)

    new, _ = mf.apply_form(manifest, {"replicas": ""})

    assert "replicas" not in new["spec"]


def test_text_a_field_cannot_read_is_an_error_at_that_field():
    new, errors = mf.apply_form(deployment("web"), {"replicas": "three", "labels": "app web"})

    assert errors == {"replicas": '"three" is not a whole number', "labels": 'line 1: "app web" is not key=value'}


def test_container_lists_read_their_short_notations():
    manifest = deployment("web")
    posted = {
        "container-0-ports": "http:8080\ndns:53/UDP",
        "container-0-env": "MODE=demo\nPASSWORD from secret db/password",
        "container-0-envFrom": "configmap settings",
        "container-0-volumeMounts": "html:/usr/share/nginx/html:ro",
        "container-0-command": "sh\n-c\necho hi",
        "container-0-requests_cpu": "100m",
        "container-0-readiness_probe": "httpGet",
        "container-0-readiness_port": "http",
        "container-0-readiness_path": "/healthz",
        "volumes": "html=configMap:web-html\ncache=emptyDir",
    }

    new, errors = mf.apply_form(manifest, posted)

    spec = new["spec"]["template"]["spec"]
    container = spec["containers"][0]
    assert errors == {}
    assert container["ports"] == [{"name": "http", "containerPort": 8080}, {"name": "dns", "containerPort": 53, "protocol": "UDP"}]
    assert container["env"] == [{"name": "MODE", "value": "demo"},
                                {"name": "PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}}]
    assert container["envFrom"] == [{"configMapRef": {"name": "settings"}}]
    assert container["volumeMounts"] == [{"name": "html", "mountPath": "/usr/share/nginx/html", "readOnly": True}]
    assert container["command"] == ["sh", "-c", "echo hi"]
    assert container["resources"] == {"requests": {"cpu": "100m"}}
    assert container["readinessProbe"] == {"httpGet": {"port": "http", "path": "/healthz"}}
    assert spec["volumes"] == [{"name": "html", "configMap": {"name": "web-html"}}, {"name": "cache", "emptyDir": {}}]
    assert mf.apply_form(new, mf.form_data(new)) == (new, {})  # and they read back the same


def test_a_probe_set_to_none_is_removed_and_its_settings_go_with_it():
    manifest = deployment("web")
    container = manifest["spec"]["template"]["spec"]["containers"][0]
    container["livenessProbe"] = {"tcpSocket": {"port": 80}, "periodSeconds": 5, "failureThreshold": 3}

    new, _ = mf.apply_form(manifest, {"container-0-liveness_probe": ""})

    assert "livenessProbe" not in new["spec"]["template"]["spec"]["containers"][0]


def test_the_yaml_edited_behind_the_form_keeps_its_edits():
    shown = deployment("web", replicas=3)  # what the form was rendered from
    yaml_now = copy.deepcopy(shown)
    yaml_now["spec"]["replicas"] = 7  # edited in the YAML since
    posted = {**mf.form_data(shown), "container-0-image": "nginx:1.28"}  # the form still says 3

    new, _ = mf.apply_form(yaml_now, posted, before=mf.form_data(shown))

    assert new["spec"]["replicas"] == 7
    assert new["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.28"


def test_a_container_can_be_added_and_removed():
    manifest = mf.add_row(deployment("web"), "container")

    containers = manifest["spec"]["template"]["spec"]["containers"]
    assert [c["name"] for c in containers] == ["web", "container-2"]
    posted = {**mf.form_data(manifest), "container-1-name": "sidecar", "container-1-image": "busybox:1.36"}
    manifest, _ = mf.apply_form(manifest, posted)
    assert manifest["spec"]["template"]["spec"]["containers"][1] == {"name": "sidecar", "image": "busybox:1.36"}

    manifest = mf.remove_row(manifest, "container", 0)

    assert [c["name"] for c in manifest["spec"]["template"]["spec"]["containers"]] == ["sidecar"]


def test_secret_values_are_shown_decoded_and_stored_encoded():
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db"},
              "data": {"password": base64.b64encode(b"s3cr3t").decode()}, "stringData": {"user": "admin"}}

    data = mf.form_data(secret)
    new, _ = mf.apply_form(secret, {**data, "data-0-value": "n3w"})

    assert (data["data-0-key"], data["data-0-value"], data["data-0-source"]) == ("password", "s3cr3t", "data")
    assert (data["data-1-key"], data["data-1-value"], data["data-1-source"]) == ("user", "admin", "stringData")
    assert new["data"] == {"password": base64.b64encode(b"n3w").decode()}
    assert new["stringData"] == {"user": "admin"}


def test_config_map_keys_are_rows():
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings"}, "data": {"a": "1", "b": "x\ny"}}

    new, _ = mf.apply_form(cm, {**mf.form_data(cm), "data-0-key": "mode"})

    assert new["data"] == {"mode": "1", "b": "x\ny"}


def test_a_changed_row_replaces_only_its_own_key_and_keys_the_form_never_drew_stay():
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "big"},
          "data": {f"k{n:03}": str(n) for n in range(300)}}
    drawn = {k: v for k, v in mf.form_data(cm).items() if not k.startswith("data-") or k.split("-")[1] in map(str, range(20))}

    new, errors = mf.apply_form(cm, {**drawn, "data-1-key": "renamed", "data-2-key": "", "data-2-value": ""},
                                before=mf.form_data(cm))

    expected = {**cm["data"], "renamed": "1"}
    del expected["k001"], expected["k002"]
    assert errors == {} and new["data"] == expected


def test_a_masked_secret_value_is_kept_unless_a_new_one_is_typed():
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db"}, "data": {"a": "***", "b": "***"}}
    data = mf.form_data(secret)

    new, _ = mf.apply_form(secret, {**data, "data-1-value": "n3w"})

    assert (data["data-0-value"], data["data-0-source"]) == ("", "masked")  # the page holds no value
    assert new["data"] == {"a": "***", "b": base64.b64encode(b"n3w").decode()}


def test_a_service_form_edits_ports_and_selector():
    service = mf.new_manifest("Service")
    posted = {**mf.form_data(service), "service_type": "NodePort", "port-0-nodePort": "30080", "service_selector": "app=web"}

    new, errors = mf.apply_form(service, posted)

    assert errors == {}
    assert new["spec"]["type"] == "NodePort"
    assert new["spec"]["selector"] == {"app": "web"}
    assert new["spec"]["ports"] == [{"port": 80, "targetPort": 80, "protocol": "TCP", "nodePort": 30080}]


@pytest.mark.parametrize("path, field", [
    ("spec.template.spec.containers[0].image", "container-0-image"),
    ("spec.template.spec.containers[0].ports[0].containerPort", "container-0-ports"),
    ("spec.template.spec.containers[0].livenessProbe.httpGet.port", "container-0-liveness_port"),
    ("spec.replicas", "replicas"),
    ("spec.selector", "selector"),
    ("metadata.name", "name"),
    ("spec.template.spec.restartPolicy", None),
])
def test_an_admission_error_lands_on_its_field(path, field):
    manifest = deployment("web")
    manifest["spec"]["template"]["spec"]["containers"][0]["livenessProbe"] = {"httpGet": {"port": 80}}

    assert mf.field_for_error(manifest, path) == field


YAML = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
  template:
    spec:
      containers:
      - name: web
        image: nginx
      - name: sidecar
        image: ""
"""


@pytest.mark.parametrize("path, line", [
    ("spec.replicas", 6),
    ("spec.template.spec.containers[1].image", 13),
    ("spec.template.spec.containers[1]", 12),
    ("spec.selector", 5),  # missing: the deepest part the text has (spec)
    ("metadata.name", 4),
])
def test_an_admission_error_lands_on_its_yaml_line(path, line):
    assert mf.line_of(YAML, path) == line


def test_the_line_in_a_stream_counts_from_the_top_of_the_file():
    stream = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n---\n" + YAML

    assert mf.line_in_stream(stream, 6, "spec.replicas") == 11


def test_the_diff_is_kubectl_diffs_unified_diff():
    live = deployment("web", replicas=3)
    merged = deployment("web", replicas=5)

    lines = mf.diff_lines(live, merged, label="apps.v1.Deployment.default.web")

    assert lines[:2] == ["--- LIVE/apps.v1.Deployment.default.web", "+++ MERGED/apps.v1.Deployment.default.web"]
    assert "-  replicas: 3" in lines and "+  replicas: 5" in lines
