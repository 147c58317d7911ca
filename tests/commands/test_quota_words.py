"""The same refusal wherever a quota'd cluster is written to: the CLI, the browser console and
the upload page (at its document) all say what the API server says; and `cluster quota`."""
from __future__ import annotations

import pytest
from yaml import safe_load as yaml_load

from playground.kubectl.commandline.cmdutil import Captured
from playground.kubectl.console import run_line
from playground.store import clusters
from tests.commands.test_kubectl_commands import run

REFUSAL = ('deployments.apps "web" is forbidden: maximum replicas usage per Deployment is 5, '
           "but limit is 100000")
MANIFEST = """apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 100000
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx}]}
"""


@pytest.fixture
def team(make_cluster):
    handle = make_cluster("team-a")
    clusters.set_quota("team-a", replicas=5, pods=50)
    return handle


def test_the_cli_prints_the_api_servers_words(team, tmp_path):
    path = tmp_path / "web.yaml"
    path.write_text(MANIFEST)

    code, _, err = run("apply", "-f", str(path), "--cluster", "team-a")
    assert code == 1 and err == f"error: {path}: document 1 (Deployment/web): {REFUSAL}\n"

    path.write_text(MANIFEST.replace("100000", "5"))
    assert run("apply", "-f", str(path), "--cluster", "team-a")[0] == 0
    assert run("scale", "deployment", "web", "--replicas", "100000", "--cluster", "team-a") == (
        1, "", f"Error from server (Forbidden): {REFUSAL}\n")


def test_the_console_prints_them_too(team):
    out = Captured()

    code = run_line("team-a", f"kubectl apply -f - <<EOF\n{MANIFEST}EOF", out)

    assert code == 1
    assert [text for stream, text in out.lines if stream == "err"] == [f"error: STDIN: document 1 (Deployment/web): {REFUSAL}"]


def test_the_upload_page_shows_them_at_the_document(team, client):
    response = client.post("/clusters/team-a/upload/", {"manifest": MANIFEST})

    assert response.status_code == 422
    assert f"error: document 1 (Deployment/web) (line 1): {REFUSAL}".replace('"', "&quot;") in response.content.decode()
    assert team.list("Deployment") == []


def test_cluster_quota_sets_and_describes(team):
    assert run("cluster", "quota", "team-a", "--objects", "40", "--pods", "unlimited") == (
        0, 'cluster "team-a" quota set: objects=40, replicas=5\n', "")

    code, out, _ = run("cluster", "quota", "team-a")

    assert code == 0
    assert out.splitlines()[:4] == ["Name:     cluster-quota", "Cluster:  team-a", "Resource       Used  Hard",
                                    "--------       ----  ----"]
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines()[4:]}
    assert rows["pods"] == ["0", "unlimited"] and rows["count/nodes"] == ["3", "unlimited"]
    assert rows["count/objects"][1] == "40" and rows["replicas"] == ["-", "5"]


def test_cluster_quota_refuses_a_value_that_is_not_a_number(team):
    assert run("cluster", "quota", "team-a", "--pods", "lots") == (
        1, "", 'error: --pods: "lots" is not a number, unlimited or default\n')


def test_the_deployment_pages_scale_form_shows_them_beside_the_form(team, client):
    team.apply({**yaml_load(MANIFEST), "spec": {**yaml_load(MANIFEST)["spec"], "replicas": 2}})

    response = client.post("/clusters/team-a/deployments/default/web/scale/", {"replicas": "100000"})

    assert response.status_code == 422
    assert REFUSAL.replace('"', "&quot;") in response.content.decode()
    assert team.get("Deployment", "web", "default")["spec"]["replicas"] == 2
