"""Console flags as kubectl takes them: label/annotate of every object a selector (or --all)
picks, and a client dry run printed as kubectl's generators build the object."""
from __future__ import annotations

from playground.store import api as store
from tests.factories import config_map
from tests.kubectl.test_console import console


def _labels(cluster, name: str) -> dict:
    return store.get(cluster.name, "ConfigMap", name, "default")["metadata"].get("labels") or {}


def test_label_of_what_a_selector_picks(cluster):
    for name, tier in (("a", "web"), ("b", "web"), ("c", "db")):
        obj = config_map(name)
        obj["metadata"]["labels"] = {"tier": tier}
        cluster.create(obj)

    code, out, err = console(cluster, "kubectl label configmaps -l tier=web team=blue")

    assert (code, err) == (0, "")
    assert out.splitlines() == ["configmap/a labeled", "configmap/b labeled"]
    assert [_labels(cluster, n).get("team") for n in "abc"] == ["blue", "blue", None]


def test_annotate_all_and_the_flags_kubectl_refuses_together(cluster):
    cluster.create(config_map("a"))
    cluster.create(config_map("b"))

    assert console(cluster, "kubectl annotate configmaps --all note=hi")[1].splitlines() == [
        "configmap/a annotated", "configmap/b annotated"]
    assert console(cluster, "kubectl label configmaps --all -l x=y k=v")[2] == \
        "error: cannot set --all and --selector at the same time"
    assert console(cluster, "kubectl label configmaps k=v")[2] == \
        "error: resource(s) were provided, but no name was specified"


def test_client_dry_run_prints_no_namespace_unless_one_is_given(cluster):
    _, deployment, _ = console(cluster, "kubectl create deployment web --image=nginx --dry-run=client -o yaml")
    _, pod, _ = console(cluster, "kubectl run web --image=nginx --dry-run=client -o yaml")
    _, config, _ = console(cluster, "kubectl create configmap c --from-literal=a=b -n kube-system --dry-run=client -o yaml")

    assert "namespace:" not in deployment and "namespace:" not in pod
    assert "*id" not in deployment and "&id" not in deployment  # no YAML anchors: each map printed in full
    assert "  namespace: kube-system" in config.splitlines()
    assert console(cluster, "kubectl create configmap c --from-literal=a=b")[1] == "configmap/c created"
    assert store.get(cluster.name, "ConfigMap", "c", "default")["data"] == {"a": "b"}


def _config(value: str) -> str:
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shared\ndata:\n  color: {value}\n"


def test_apply_server_side_owns_fields_and_names_the_conflict_as_kubectl_does(cluster):
    def apply(flags: str, value: str):
        return console(cluster, f"kubectl apply --server-side {flags} -f - <<EOF\n{_config(value)}EOF")

    assert apply("--field-manager=team-a", "red") == (0, "configmap/shared serverside-applied", "")
    code, _, err = apply("--field-manager=team-b", "blue")

    assert code == 1
    assert err.splitlines()[0] == "error: Apply failed with 1 conflict: conflict with \"team-a\" using v1: .data.color", err
    assert "re-run the apply\n  command with the `--force-conflicts` flag." in err
    assert store.get(cluster.name, "ConfigMap", "shared", "default")["data"] == {"color": "red"}

    assert apply("--field-manager=team-b --force-conflicts", "blue")[1] == "configmap/shared serverside-applied"
    stored = store.get(cluster.name, "ConfigMap", "shared", "default")
    assert stored["data"] == {"color": "blue"}
    assert [entry["manager"] for entry in stored["metadata"]["managedFields"]] == ["team-b"]
