"""apply, get, delete and cluster behave like their kubectl namesakes."""
from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command

EXAMPLE = str(Path(__file__).resolve().parents[2] / "examples" / "nginx-deployment.yaml")


def run(*args: str, stdin: bytes | None = None, monkeypatch=None) -> tuple[int, str, str]:
    """Run a management command; returns (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
    try:
        call_command(*args, stdout=out, stderr=err)
        status = 0
    except SystemExit as e:
        status = e.code
    return status, out.getvalue(), err.getvalue()


def test_apply_creates_then_leaves_unchanged(cluster):
    assert run("apply", "-f", EXAMPLE) == (0, "deployment.apps/nginx created\n", "")
    assert run("apply", "-f", EXAMPLE) == (0, "deployment.apps/nginx unchanged\n", "")


def test_get_deployments_prints_kubectls_columns(cluster):
    run("apply", "-f", EXAMPLE)

    status, out, _ = run("get", "deployments")

    header, row = out.splitlines()
    assert header.split() == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert row.split()[:4] == ["nginx", "0/3", "0", "0"]


def test_get_one_deployment_as_yaml_is_the_stored_object(cluster):
    run("apply", "-f", EXAMPLE)

    _, out, _ = run("get", "deployment", "nginx", "-o", "yaml")

    shown = yaml.safe_load(out)
    assert shown == cluster.get("Deployment", "nginx", "default")
    assert out.startswith("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  annotations:\n")


def test_get_several_objects_as_json_is_a_list(cluster):
    _, out, _ = run("get", "nodes", "-o", "json")

    shown = yaml.safe_load(out)
    assert shown["kind"] == "List"
    assert [n["metadata"]["name"] for n in shown["items"]] == [
        "playground-control-plane", "playground-worker", "playground-worker2",
    ]


def test_get_nodes_shows_the_control_plane_role(cluster):
    _, out, _ = run("get", "nodes")

    rows = [line.split() for line in out.splitlines()[1:]]
    assert [r[:3] for r in rows] == [
        ["playground-control-plane", "Ready", "control-plane"],
        ["playground-worker", "Ready", "<none>"],
        ["playground-worker2", "Ready", "<none>"],
    ]


def test_get_with_nothing_found_says_so(cluster):
    assert run("get", "pods") == (0, "", "No resources found in default namespace.\n")


def test_get_all_namespaces_adds_the_namespace_column(cluster):
    _, out, _ = run("get", "serviceaccounts", "-A")

    assert out.splitlines()[0].split() == ["NAMESPACE", "NAME", "SECRETS", "AGE"]
    assert {line.split()[0] for line in out.splitlines()[1:]} == {
        "default", "kube-node-lease", "kube-public", "kube-system",
    }


def test_get_filters_by_label_and_prints_names(cluster, monkeypatch):
    manifest = b"""
apiVersion: v1
kind: ConfigMap
metadata: {name: a, labels: {tier: web}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: b, labels: {tier: db}}
"""
    run("apply", "-f", "-", stdin=manifest, monkeypatch=monkeypatch)

    assert run("get", "configmaps", "-l", "tier=web", "-o", "name") == (0, "configmap/a\n", "")


def test_apply_reads_every_manifest_in_a_folder(cluster, tmp_path):
    (tmp_path / "a.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n")
    (tmp_path / "b.json").write_text('{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "b"}}')
    (tmp_path / "notes.txt").write_text("not a manifest")

    status, out, _ = run("apply", "-f", str(tmp_path))

    assert (status, out) == (0, "configmap/a created\nconfigmap/b created\n")


def test_a_bad_document_fails_the_command_and_names_the_place(cluster, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(Path(EXAMPLE).read_text().replace("replicas: 3", "replicas: -1"))

    status, out, err = run("apply", "-f", str(path))

    assert status == 1 and out == ""
    assert err == (
        f'error: {path}: document 1 (Deployment/nginx): Deployment.apps "nginx" is invalid: '
        "spec.replicas: Invalid value: -1: must be greater than or equal to 0\n"
    )


# Streams that hold no object: kubectl answers "error: no objects passed to apply" and exits 1
EMPTY_MANIFESTS = {
    "dashes": b"---\n" * 200_000,
    "comments": b"# nothing here yet\n---\n# nor here\n",
    "blank": b"\n\n",
}


@pytest.mark.parametrize("name", EMPTY_MANIFESTS)
def test_a_manifest_of_no_objects_fails_as_kubectl_does(cluster, tmp_path, name):
    path = tmp_path / f"{name}.yaml"
    path.write_bytes(EMPTY_MANIFESTS[name])

    status, out, err = run("apply", "-f", str(path))

    assert (status, out) == (1, "")
    assert err == f"error: no objects passed to apply (no objects in {path})\n"


def test_delete_then_get_is_not_found(cluster):
    run("apply", "-f", EXAMPLE)

    assert run("delete", "deployment", "nginx") == (0, 'deployment.apps "nginx" deleted\n', "")
    assert run("get", "deployment", "nginx") == (
        1, "", 'Error from server (NotFound): deployments.apps "nginx" not found\n',
    )


def test_an_unknown_resource_type_is_an_error(cluster):
    assert run("get", "deploymnets") == (1, "", 'error: the server doesn\'t have a resource type "deploymnets"\n')


def test_each_cluster_has_its_own_objects(cluster):
    run("cluster", "create", "team-b")
    run("apply", "-f", EXAMPLE, "--cluster", "team-b")

    assert run("get", "deployments", "-o", "name", "--cluster", "team-b")[1] == "deployment.apps/nginx\n"
    assert run("get", "deployments")[2] == "No resources found in default namespace.\n"
    assert run("cluster", "list")[1] == "default\nteam-b\n"


def test_reset_starts_the_cluster_again_without_its_images_files_or_logs(cluster):
    from playground.images import registry
    from playground.sim.models import ContainerLogLine, VolumeFile
    from playground.sim.volumes import write_volume_file

    registry.build("default", "FROM busybox:1.36\nRUN touch /made-here\n", tag="mine:1")
    run("apply", "-f", EXAMPLE)
    cluster.advance(30)
    write_volume_file("default", "pv/old-volume", "notes.txt", "from before the reset")
    assert ContainerLogLine.objects.exists() and len(registry.images("default")) == 1

    assert run("cluster", "reset", "default") == (0, 'cluster "default" reset\n', "")

    assert registry.images("default") == []
    assert not VolumeFile.objects.exists() and not ContainerLogLine.objects.exists()
    assert run("get", "deployments")[2] == "No resources found in default namespace.\n"
    assert run("get", "nodes", "-o", "name")[1].count("node/") == 3  # the demo cluster again


def test_a_command_before_the_database_exists_says_what_to_do(tmp_path):
    import os
    import subprocess
    import sys

    env = {**os.environ, "PLAYGROUND_DATA_DIR": str(tmp_path)}  # a fresh machine: nothing migrated
    env.pop("DATABASE_URL", None)

    done = subprocess.run([sys.executable, "manage.py", "get", "pods"], cwd=Path(EXAMPLE).parents[1], env=env,
                          capture_output=True, text=True, timeout=120)

    assert done.returncode == 1
    assert done.stderr.startswith("error: the playground's database is not set up yet")
    assert "Traceback" not in done.stderr
