"""The real kubectl (v1.32) against a live playground: what it prints and how it exits, as
against a real cluster."""
from __future__ import annotations

import json

import yaml

from .conftest import KUBECTL, needs_kubectl

pytestmark = needs_kubectl


def test_version_names_the_server(kubectl):
    code, out, _ = kubectl("version")
    assert code == 0
    assert "Server Version: v1.32.0" in out


def test_api_resources_lists_every_kind_with_its_short_names(kubectl):
    code, out, _ = kubectl("api-resources")
    rows = {line.split()[0]: line.split() for line in out.splitlines()[1:]}

    assert code == 0
    assert out.splitlines()[0].split() == ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]
    assert rows["pods"] == ["pods", "po", "v1", "true", "Pod"]
    assert rows["deployments"] == ["deployments", "deploy", "apps/v1", "true", "Deployment"]
    assert rows["nodes"] == ["nodes", "no", "v1", "false", "Node"]
    assert rows["storageclasses"] == ["storageclasses", "sc", "storage.k8s.io/v1", "false", "StorageClass"]


def test_get_nodes_wide_prints_the_columns_a_real_cluster_prints(kubectl):
    code, out, _ = kubectl("get", "nodes", "-o", "wide")
    header, *rows = out.splitlines()

    assert code == 0
    assert header.split() == ["NAME", "STATUS", "ROLES", "AGE", "VERSION", "INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE",
                              "KERNEL-VERSION", "CONTAINER-RUNTIME"]
    assert [row.split()[:3] for row in rows] == [
        ["playground-control-plane", "Ready", "control-plane"],
        ["playground-worker", "Ready", "<none>"],
        ["playground-worker2", "Ready", "<none>"],
    ]


def test_get_all_in_every_namespace_uses_the_all_category(kubectl):
    code, out, _ = kubectl("get", "all", "-A")

    assert code == 0
    assert "service/kubernetes" in out
    assert "deployment.apps/coredns" in out
    assert "daemonset.apps/kindnet" in out
    assert "pod/etcd-playground-control-plane" in out
    assert "configmap/" not in out  # not in the category


def test_labels_and_label_columns_come_from_the_rows_objects(kubectl):
    code, out, _ = kubectl("get", "pods", "-n", "kube-system", "-l", "k8s-app=kube-dns", "--show-labels", "-L", "k8s-app")
    header, *rows = out.splitlines()

    assert code == 0
    assert header.split()[-2:] == ["K8S-APP", "LABELS"]
    assert len(rows) == 2 and all(row.startswith("coredns-") for row in rows)
    assert all("k8s-app=kube-dns" in row.split()[-1] for row in rows)


def test_a_missing_object_is_not_found_in_kubernetes_words(kubectl):
    code, _, err = kubectl("get", "pod", "nope")
    assert code == 1
    assert err.strip() == 'Error from server (NotFound): pods "nope" not found'


def test_a_config_map_made_labelled_patched_and_deleted(kubectl):
    manifest = json.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "demo"}, "data": {"a": "b"}})

    # --validate=false until the server serves OpenAPI v3
    assert kubectl("apply", "--validate=false", "-f", "-", stdin=manifest)[1].strip() == "configmap/demo created"
    assert kubectl("label", "configmap", "demo", "tier=web")[1].strip() == "configmap/demo labeled"
    assert kubectl("patch", "configmap", "demo", "--type", "merge", "-p", '{"data":{"c":"d"}}')[1].strip() == \
        "configmap/demo patched"
    assert kubectl("patch", "configmap", "demo", "--type", "json", "-p", '[{"op":"add","path":"/data/e","value":"f"}]')[0] == 0
    _, out, _ = kubectl("get", "configmap", "demo", "-o", "json")
    live = json.loads(out)
    assert live["data"] == {"a": "b", "c": "d", "e": "f"}
    assert live["metadata"]["labels"] == {"tier": "web"}

    assert kubectl("delete", "configmap", "demo")[1].strip() == 'configmap "demo" deleted'
    assert kubectl("get", "configmap", "demo")[2].strip() == 'Error from server (NotFound): configmaps "demo" not found'


def test_scale_patches_the_scale_subresource(kubectl):
    code, out, _ = kubectl("scale", "deployment", "coredns", "-n", "kube-system", "--replicas=3")

    assert code == 0
    assert out.strip() == "deployment.apps/coredns scaled"
    assert kubectl("get", "deployment", "coredns", "-n", "kube-system", "-o", "jsonpath={.spec.replicas}")[1] == "3"
    kubectl("scale", "deployment", "coredns", "-n", "kube-system", "--replicas=2")


def test_typed_creates_arrive_in_protobuf_and_are_stored_as_kubectl_built_them(kubectl):
    created = [
        kubectl("create", "configmap", "typed", "--from-literal=a=b"),
        kubectl("create", "secret", "generic", "typed", "--from-literal=password=s3cret"),
        kubectl("create", "deployment", "typed", "--image=nginx:1.27", "--replicas=0", "--port=80"),
        kubectl("run", "typed", "--image=busybox:1.36", "--", "sleep", "3600"),
        kubectl("create", "service", "clusterip", "typed", "--tcp=80:8080"),
    ]

    assert [out.strip() for _, out, _ in created] == [
        "configmap/typed created", "secret/typed created", "deployment.apps/typed created", "pod/typed created",
        "service/typed created"]
    assert json.loads(kubectl("get", "configmap", "typed", "-o", "json")[1])["data"] == {"a": "b"}
    assert kubectl("get", "secret", "typed", "-o", "jsonpath={.data.password}")[1] == "czNjcmV0"  # base64 of s3cret
    deployment = json.loads(kubectl("get", "deployment", "typed", "-o", "json")[1])
    assert deployment["spec"]["replicas"] == 0  # a pointer's zero is kept
    assert deployment["spec"]["template"]["spec"]["containers"][0]["ports"] == [{"containerPort": 80, "protocol": "TCP"}]
    assert json.loads(kubectl("get", "pod", "typed", "-o", "json")[1])["spec"]["containers"][0]["args"] == ["sleep", "3600"]
    ports = json.loads(kubectl("get", "service", "typed", "-o", "json")[1])["spec"]["ports"]
    assert [(p["port"], p["targetPort"]) for p in ports] == [(80, 8080)]


def test_without_a_valid_token_kubectl_must_log_in(kubectl, live, tmp_path):
    config = live.kubeconfig()
    config.write_text(config.read_text().replace("token: ", "token: x"))

    code, _, err = kubectl("get", "pods", config=config)

    assert code == 1
    assert "error: You must be logged in to the server" in err


def test_a_token_opens_only_its_own_cluster(kubectl, live):
    assert live.manage("cluster", "create", "team-b", "--empty").returncode == 0
    team_b = live.kubeconfig("--cluster", "team-b")
    # the default cluster's token, sent to team-b's URL
    stolen = team_b.read_text().replace(_token(team_b), _token(live.kubeconfig()))
    (live.home / "stolen").write_text(stolen)

    assert kubectl("get", "namespaces", config=team_b)[0] == 0
    code, _, err = kubectl("get", "namespaces", config=live.home / "stolen")
    assert code == 1
    assert "Forbidden" in err or "forbidden" in err


def test_a_namespace_bound_token_is_refused_elsewhere(kubectl, live):
    config = live.kubeconfig("--namespace", "kube-system", "--only-namespace")

    assert kubectl("get", "pods", config=config)[0] == 0  # kube-system, the context's namespace
    code, _, err = kubectl("get", "pods", "-n", "default", config=config)
    assert code == 1
    assert 'pods is forbidden: this token may list only in the namespace "kube-system"' in err


def _token(config) -> str:
    return next(line.split()[-1] for line in config.read_text().splitlines() if "token:" in line)


WEB = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
"""


def test_apply_validates_on_the_server_and_configures_by_a_three_way_patch(kubectl):
    assert kubectl("apply", "-f", "-", stdin=WEB)[1].strip() == "deployment.apps/web created"
    assert kubectl("apply", "-f", "-", stdin=WEB)[1].strip() == "deployment.apps/web unchanged"
    kubectl("scale", "deployment", "web", "--replicas=3")  # a live change apply does not own

    code, out, _ = kubectl("apply", "-f", "-", stdin=WEB.replace("nginx:1.27", "nginx:1.28"))

    assert (code, out.strip()) == (0, "deployment.apps/web configured")
    live = json.loads(kubectl("get", "deployment", "web", "-o", "json")[1])
    assert live["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.28"
    assert live["spec"]["replicas"] == 2  # the manifest says 2 and last said 2: apply sets it back, as kubectl does


def test_an_unknown_field_is_refused_in_kubernetes_words_and_only_warned_with_validate_warn(kubectl):
    bad = WEB.replace("name: web\n", "name: typo\n").replace("replicas: 2", "replicas: 2\n  replica: 3")

    code, _, err = kubectl("apply", "-f", "-", stdin=bad)
    assert code == 1
    assert ('Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: '
            'unknown field "spec.replica"') in err
    assert kubectl("get", "deployment", "typo")[0] == 1

    code, out, err = kubectl("apply", "--validate=warn", "-f", "-", stdin=bad)
    assert (code, out.strip()) == (0, "deployment.apps/typo created")
    assert 'Warning: unknown field "spec.replica"' in err
    kubectl("delete", "deployment", "typo")


def test_diff_and_server_dry_run_change_nothing(kubectl):
    kubectl("apply", "-f", "-", stdin=WEB.replace("name: web\n", "name: dry\n"))
    uid = kubectl("get", "deployment", "dry", "-o", "jsonpath={.metadata.uid}")[1]

    code, out, _ = kubectl("diff", "-f", "-", stdin=WEB.replace("name: web\n", "name: dry\n").replace("replicas: 2", "replicas: 5"))
    assert code == 1  # kubectl diff: 1 means "there are differences"
    assert "-  replicas: 2" in out and "+  replicas: 5" in out
    assert kubectl("delete", "deployment", "dry", "--dry-run=server")[1].strip() == \
        'deployment.apps "dry" deleted (server dry run)'

    # the controllers go on writing its status; what the user asked for is untouched, and it is the same object
    assert kubectl("get", "deployment", "dry", "-o", "jsonpath={.metadata.uid} {.spec.replicas}")[1] == f"{uid} 2"


def test_explain_reads_the_servers_openapi(kubectl):
    code, out, _ = kubectl("explain", "deployment.spec.strategy")

    assert code == 0
    assert "KIND:       Deployment" in out
    assert "FIELD: strategy <DeploymentStrategy>" in out
    assert "rollingUpdate\t<RollingUpdateDeployment>" in out


def test_get_watch_prints_the_pods_as_they_come(kubectl, kubectl_stream):
    kubectl("apply", "-f", "-", stdin=WEB.replace("web", "watched"))
    watch = kubectl_stream("get", "pods", "-l", "app=watched", "-w", "--request-timeout=60s")
    watch.lines_until(lambda line: line.startswith("NAME"))

    kubectl("scale", "deployment", "watched", "--replicas=3")

    running = set()

    def third_running(line: str) -> bool:
        name, ready, state = line.split()[:3]
        if (ready, state) == ("1/1", "Running"):
            running.add(name)
        return len(running) == 3

    lines = watch.lines_until(third_running)
    assert any("Pending" in line or "ContainerCreating" in line for line in lines)


def test_rollout_status_follows_a_rolling_update_to_the_end(kubectl):
    kubectl("apply", "-f", "-", stdin=WEB.replace("web", "rolled"))
    kubectl("set", "image", "deployment/rolled", "nginx=nginx:1.28")

    code, out, _ = kubectl("rollout", "status", "deployment/rolled", "--timeout=60s")

    assert code == 0
    assert out.strip().endswith('deployment "rolled" successfully rolled out')


def test_rollout_status_of_a_finished_rollout_returns_on_a_paused_cluster(kubectl, live):
    # nothing is written on a paused cluster, so the watch kubectl opens after its list sends no
    # event: kubectl returns only if the watch's headers came at once, as the API server sends them
    assert live.manage("cluster", "create", "quiet-team").returncode == 0
    config = live.kubeconfig("--cluster", "quiet-team")
    live.manage("clock", "instant", "--cluster", "quiet-team")
    kubectl("apply", "-f", "-", stdin=WEB.replace("web", "quiet"), config=config)
    assert kubectl("rollout", "status", "deployment/quiet", "--timeout=60s", config=config)[0] == 0
    live.manage("clock", "pause", "--cluster", "quiet-team")

    code, out, _ = kubectl("rollout", "status", "deployment/quiet", "--timeout=30s", config=config)

    assert code == 0
    assert out.strip() == 'deployment "quiet" successfully rolled out'


def test_logs_and_describe_read_what_the_kubelet_and_the_controllers_wrote(kubectl):
    kubectl("apply", "-f", "-", stdin=WEB.replace("web", "logged"))
    kubectl("rollout", "status", "deployment/logged", "--timeout=60s")
    pod = kubectl("get", "pods", "-l", "app=logged", "-o", "jsonpath={.items[0].metadata.name}")[1]

    code, logs, _ = kubectl("logs", pod, "--tail", "1")
    _, description, _ = kubectl("describe", "pod", pod)

    assert code == 0
    assert logs.strip() == "/docker-entrypoint.sh: Configuration complete; ready for start up"
    assert "Successfully assigned default/" + pod in description
    assert 'Started container nginx' in description
    assert kubectl("logs", pod, "-c", "nope")[2].strip() == f"error: container nope is not valid for pod {pod}"


def test_exec_runs_in_the_containers_filesystem_and_environment(kubectl):
    kubectl("apply", "-f", "-", stdin=WEB.replace("web", "execd"))
    kubectl("rollout", "status", "deployment/execd", "--timeout=60s")
    pod = kubectl("get", "pods", "-l", "app=execd", "-o", "jsonpath={.items[0].metadata.name}")[1]

    env = kubectl("exec", pod, "--", "env")
    listing = kubectl("exec", pod, "--", "ls", "/usr/share/nginx/html")
    failing = kubectl("exec", pod, "--", "sh", "-c", "cat /nope; exit 3")
    missing = kubectl("exec", pod, "--", "nope")
    piped = kubectl("exec", "-i", pod, "--", "sh", stdin="cat /etc/hostname\n")

    assert env[0] == 0 and f"HOSTNAME={pod}" in env[1].splitlines()
    assert "KUBERNETES_SERVICE_HOST=10.96.0.1" in env[1].splitlines()
    assert listing[1].split() == ["50x.html", "index.html"]
    assert failing[0] == 3
    assert "cat: /nope: No such file or directory" in failing[2]
    assert "command terminated with exit code 3" in failing[2]
    assert missing[0] == 1
    assert 'exec: "nope": executable file not found in $PATH' in missing[2]
    assert piped[1].strip() == pod


def test_exec_in_a_terminal_runs_each_line(kubectl, live):
    import os
    import pty
    import select
    import subprocess

    pod = kubectl("get", "pods", "-l", "app=execd", "-o", "jsonpath={.items[0].metadata.name}")[1]
    master, slave = pty.openpty()
    process = subprocess.Popen([KUBECTL, "exec", "-it", pod, "--", "sh"], stdin=slave, stdout=slave, stderr=slave,
                               env={**live.env, "KUBECONFIG": str(kubectl.config)})
    os.close(slave)

    def until_prompt() -> bytes:
        seen = b""
        while not seen.endswith(b"# ") and select.select([master], [], [], 30)[0]:
            seen += os.read(master, 4096)
        return seen

    until_prompt()
    os.write(master, b"echo hello $HOSTNAME\r")
    answer = until_prompt()
    os.write(master, b"exit\r")

    assert f"hello {pod}".encode() in answer
    assert process.wait(timeout=30) == 0
    os.close(master)


def test_server_side_apply_owns_its_fields_and_conflicts_in_kubernetes_words(kubectl):
    manifest = WEB.replace("web", "ssa")
    assert kubectl("apply", "--server-side", "-f", "-", stdin=manifest)[1].strip() == "deployment.apps/ssa serverside-applied"
    kubectl("scale", "deployment", "ssa", "--replicas=4")

    code, _, err = kubectl("apply", "--server-side", "-f", "-", stdin=manifest)
    assert code == 1
    assert 'error: Apply failed with 1 conflict: conflict with "kubectl" using apps/v1: .spec.replicas' in err

    assert kubectl("apply", "--server-side", "--force-conflicts", "-f", "-", stdin=manifest)[0] == 0
    live = json.loads(kubectl("get", "deployment", "ssa", "-o", "json", "--show-managed-fields")[1])
    assert live["spec"]["replicas"] == 2
    assert [(e["manager"], e["operation"]) for e in live["metadata"]["managedFields"]] == [("kubectl", "Apply")]


def test_server_side_apply_over_client_side_apply_names_the_other_manager(kubectl):
    manifest = WEB.replace("web", "migrated")
    kubectl("apply", "-f", "-", stdin=manifest)

    code, _, err = kubectl("apply", "--server-side", "-f", "-", stdin=manifest.replace("nginx:1.27", "nginx:1.28"))

    assert code == 1
    assert ('conflict with "kubectl-client-side-apply" using apps/v1: '
            '.spec.template.spec.containers[name="nginx"].image') in err


def test_drain_evicts_the_nodes_pods_and_their_controllers_place_them_elsewhere(kubectl):
    kubectl("apply", "-f", "-", stdin=WEB.replace("web", "drained"))
    kubectl("rollout", "status", "deployment/drained", "--timeout=60s")

    code, out, err = kubectl("drain", "playground-worker", "--ignore-daemonsets", "--delete-emptydir-data", "--force",
                             "--timeout=120s")
    try:
        assert code == 0, err
        assert "node/playground-worker drained" in out
        kubectl("rollout", "status", "deployment/drained", "--timeout=60s")
        nodes = kubectl("get", "pods", "-l", "app=drained", "-o", "jsonpath={.items[*].spec.nodeName}")[1].split()
        assert nodes == ["playground-worker2", "playground-worker2"]
    finally:
        kubectl("uncordon", "playground-worker")


def test_rollout_history_undo_pause_resume_and_restart(kubectl):
    kubectl("apply", "-f", "-", stdin=WEB.replace("web", "storied"))
    kubectl("set", "image", "deployment/storied", "nginx=nginx:1.28")
    kubectl("rollout", "status", "deployment/storied", "--timeout=60s")

    history = kubectl("rollout", "history", "deployment/storied")[1]
    undone = kubectl("rollout", "undo", "deployment/storied")[1]
    kubectl("rollout", "status", "deployment/storied", "--timeout=60s")
    image = kubectl("get", "deployment", "storied", "-o", "jsonpath={.spec.template.spec.containers[0].image}")[1]
    paused = kubectl("rollout", "pause", "deployment/storied")[1]
    is_paused = kubectl("get", "deployment", "storied", "-o", "jsonpath={.spec.paused}")[1]
    resumed = kubectl("rollout", "resume", "deployment/storied")[1]
    restarted = kubectl("rollout", "restart", "deployment/storied")[1]
    annotations = json.loads(kubectl("get", "deployment", "storied", "-o",
                                     "jsonpath={.spec.template.metadata.annotations}")[1])

    assert history.splitlines()[1:4] == ["REVISION  CHANGE-CAUSE", "1         <none>", "2         <none>"]
    assert (undone.strip(), image) == ("deployment.apps/storied rolled back", "nginx:1.27")
    assert (paused.strip(), is_paused) == ("deployment.apps/storied paused", "true")
    assert resumed.strip() == "deployment.apps/storied resumed"
    assert restarted.strip() == "deployment.apps/storied restarted"
    assert "kubectl.kubernetes.io/restartedAt" in annotations


def test_a_folder_applied_annotated_edited_and_deleted_orphaning_or_waiting_for_dependents(kubectl, tmp_path):
    (tmp_path / "a.json").write_text(json.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "folder-a"}}))
    (tmp_path / "b.yaml").write_text(WEB.replace("web", "cascade"))

    applied = kubectl("apply", "-f", str(tmp_path))[1]
    annotated = kubectl("annotate", "configmap", "folder-a", "team=blue")[1]
    edited = kubectl("edit", "configmap", "folder-a", env={"KUBE_EDITOR": "sed -i s/blue$/red/"})[1]
    kubectl("rollout", "status", "deployment/cascade", "--timeout=60s")
    listed = yaml.safe_load(kubectl("get", "deploy,rs,pods", "-l", "app=cascade", "-o", "yaml")[1])
    orphaned = kubectl("delete", "deployment", "cascade", "--cascade=orphan")[1]
    left = kubectl("get", "rs", "-l", "app=cascade", "-o", "name")[1].split()
    kubectl("delete", "rs", "-l", "app=cascade", "--cascade=foreground")  # waits until the pods, then the set, are gone
    after = kubectl("get", "rs,pods", "-l", "app=cascade")

    assert applied.splitlines() == ["configmap/folder-a created", "deployment.apps/cascade created"]
    assert (annotated.strip(), edited.strip()) == ("configmap/folder-a annotated", "configmap/folder-a edited")
    assert kubectl("get", "configmap", "folder-a", "-o", "jsonpath={.metadata.annotations.team}")[1] == "red"
    assert listed["kind"] == "List"
    assert sorted(item["kind"] for item in listed["items"]) == ["Deployment", "Pod", "Pod", "ReplicaSet"]
    assert orphaned.strip() == 'deployment.apps "cascade" deleted' and len(left) == 1
    assert (after[1], after[2].strip()) == ("", "No resources found in default namespace.")


def test_api_versions_cluster_info_and_a_second_create_in_kubernetes_words(kubectl, live):
    versions = kubectl("api-versions")[1].split()
    info = kubectl("cluster-info")[1]
    kubectl("create", "configmap", "twice")
    code, _, err = kubectl("create", "configmap", "twice")

    assert {"v1", "apps/v1", "batch/v1"} <= set(versions)
    assert info.splitlines()[0] == f"Kubernetes control plane is running at {live.api}/clusters/default"
    assert (code, err.strip()) == (1, 'error: failed to create configmap: configmaps "twice" already exists')


def test_logs_follow_and_a_previous_container_that_never_was(kubectl, kubectl_stream):
    kubectl("apply", "-f", "-", stdin=WEB.replace("web", "followed"))
    kubectl("rollout", "status", "deployment/followed", "--timeout=60s")
    pod = kubectl("get", "pods", "-l", "app=followed", "-o", "jsonpath={.items[0].metadata.name}")[1]

    followed = kubectl_stream("logs", "-f", pod)
    lines = followed.lines_until(lambda line: "ready for start up" in line)
    code, _, err = kubectl("logs", pod, "--previous")

    assert lines[-1] == "/docker-entrypoint.sh: Configuration complete; ready for start up"
    assert followed.process.poll() is None  # still following
    assert (code, err.strip()) == (
        1, f'Error from server (BadRequest): previous terminated container "nginx" in pod "{pod}" not found')


def test_typed_creates_field_selectors_a_strategic_patch_wide_pods_and_delete_all(kubectl):
    created = [kubectl("create", "namespace", "scratch")[1], kubectl("create", "job", "once", "-n", "scratch",
                                                                        "--image=busybox:1.36", "--", "true")[1]]
    kubectl("create", "configmap", "c1", "-n", "scratch")
    kubectl("create", "configmap", "c2", "-n", "scratch")
    kubectl("apply", "-f", "-", stdin=WEB.replace("web", "patched"))
    patched = kubectl("patch", "deployment", "patched", "--type", "strategic",
                      "-p", '{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"busybox:1.36"}]}}}}')
    containers = kubectl("get", "deployment", "patched", "-o", "jsonpath={.spec.template.spec.containers[*].name}")[1]
    by_field = kubectl("get", "pods", "-A", "--field-selector", "metadata.namespace=kube-system", "-o", "name")[1]
    wide = kubectl("get", "pods", "-n", "kube-system", "-o", "wide")[1]
    deleted = kubectl("delete", "configmap", "--all", "-n", "scratch")[1]

    assert [out.strip() for out in created] == ["namespace/scratch created", "job.batch/once created"]
    assert patched[1].strip() == "deployment.apps/patched patched"
    assert sorted(containers.split()) == ["nginx", "sidecar"]  # merged by name, not replaced
    assert by_field == kubectl("get", "pods", "-n", "kube-system", "-o", "name")[1] and by_field.startswith("pod/")
    assert wide.splitlines()[0].split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED",
                                            "NODE", "READINESS", "GATES"]
    assert {'configmap "c1" deleted', 'configmap "c2" deleted'} <= set(deleted.splitlines())
    # only the root CA's, which its publisher makes again, as in a real cluster
    assert kubectl("get", "configmaps", "-n", "scratch", "-o", "name")[1] == "configmap/kube-root-ca.crt\n"
    # its busybox sidecar exits at once: left, its restarts would keep the session's instant clock busy for good
    assert kubectl("delete", "deployment", "patched")[0] == 0


def _editor(tmp_path, script: str) -> dict[str, str]:
    """An EDITOR for `kubectl edit`: a shell script given the file kubectl wrote."""
    path = tmp_path / "editor.sh"
    path.write_text("#!/bin/sh\n" + script + "\n")
    path.chmod(0o755)
    return {"EDITOR": str(path)}


def test_edit_of_every_node_as_one_list_left_unchanged_changes_nothing(kubectl, tmp_path):
    # kubectl validates a List's items itself, against /openapi/v2
    code, out, err = kubectl("edit", "nodes", env=_editor(tmp_path, "exit 0"))

    assert code == 0, err
    assert err.strip() == "Edit cancelled, no changes made."


def test_edit_of_every_node_as_one_list_patches_each_node(kubectl, tmp_path):
    add_label = r'sed -i "s/^    labels:/    labels:\n      edited: \"yes\"/" "$1"'
    code, out, err = kubectl("edit", "nodes", env=_editor(tmp_path, add_label))

    assert code == 0, err
    assert out.splitlines() == ["node/playground-control-plane edited", "node/playground-worker edited",
                                "node/playground-worker2 edited"]
    assert kubectl("get", "nodes", "-l", "edited=yes", "-o", "name")[1].split() == [
        "node/playground-control-plane", "node/playground-worker", "node/playground-worker2"]
    kubectl("label", "nodes", "--all", "edited-")


def test_edit_of_a_list_with_an_unknown_field_is_refused_before_anything_is_sent(kubectl, tmp_path):
    # kubectl reopens the file with the reasons; saved unchanged, it gives up
    bad_field = (f'cp "$1" {tmp_path}/seen; grep -q bogus "$1" || '
                 r'sed -i "s/^    podCIDR:/    bogus: 1\n    podCIDR:/" "$1"')
    code, out, err = kubectl("edit", "nodes", env=_editor(tmp_path, bad_field))

    assert code == 1
    assert err.startswith('error: nodes "playground-control-plane" is invalid\n')
    assert err.endswith("error: Edit cancelled, no valid changes were saved.\n")
    assert ('# * <nil>: Invalid value: "The edited file failed validation": ValidationError(Node.spec): '
            'unknown field "bogus" in io.k8s.api.core.v1.NodeSpec') in (tmp_path / "seen").read_text()
    assert "bogus" not in kubectl("get", "nodes", "-o", "json")[1]


GO_TEMPLATES = [
    "{{.metadata.name}} {{.spec.replicas}} {{.metadata.labels}} {{.nope}} {{len .spec.template.spec.containers}}",
    '{{range $i, $c := .spec.template.spec.containers}}{{$i}}:{{$c.image}} {{end}}{{index .metadata.labels "app"}}',
    '{{if eq .spec.replicas 2}}two{{else}}other{{end}} {{printf "%q %5d %v" .metadata.name .spec.replicas .spec.paused}}',
    "{{.spec.selector}} {{.spec.strategy}}",
]


def test_go_templates_print_what_the_real_kubectl_prints(kubectl, live):
    kubectl("apply", "-f", "-", stdin=WEB.replace("web", "templated"))

    for template in GO_TEMPLATES:
        real = kubectl("get", "deployment", "templated", "-o", f"go-template={template}")
        ours = live.manage("get", "deployment", "templated", "-o", f"go-template={template}")
        assert (real[0], real[1] + "\n") == (ours.returncode, ours.stdout), template

    real = kubectl("get", "deployment", "templated", "-o", "go-template={{.spec.replicas.x}}")
    ours = live.manage("get", "deployment", "templated", "-o", "go-template={{.spec.replicas.x}}")
    assert (real[0], real[2]) == (ours.returncode, ours.stderr)
    assert real[1].splitlines()[:3] == ours.stdout.splitlines()[:3]


def test_logs_timestamps_and_since_time_as_the_console_prints_them(kubectl, live):
    kubectl("apply", "-f", "-", stdin=WEB.replace("web", "stamped"))
    kubectl("rollout", "status", "deployment/stamped", "--timeout=60s")
    pod = kubectl("get", "pods", "-l", "app=stamped", "-o", "jsonpath={.items[0].metadata.name}")[1]

    code, stamped, _ = kubectl("logs", pod, "--timestamps")
    first = stamped.split(" ", 1)[0]
    since = kubectl("logs", pod, "--since-time", first[:19] + "Z")[1]
    both = kubectl("logs", pod, "--since=1h", "--since-time", first[:19] + "Z")[2]

    assert code == 0 and stamped == live.manage("logs", pod, "--timestamps").stdout
    assert [line.split(" ", 1)[1] for line in stamped.splitlines()] == kubectl("logs", pod)[1].splitlines()
    assert since == live.manage("logs", pod, "--since-time", first[:19] + "Z").stdout != ""
    assert kubectl("logs", pod, "--since=10000h")[1] == kubectl("logs", pod)[1]
    assert both.strip() == "error: at most one of `sinceTime` or `sinceSeconds` may be specified"


def test_delete_waits_for_a_finalizer_as_the_real_kubectl_does(kubectl, live):
    kept = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "kept", "finalizers": ["example.com/keep"]}}
    kubectl("create", "-f", "-", stdin=json.dumps(kept))
    kubectl("create", "-f", "-", stdin=json.dumps({**kept, "metadata": {**kept["metadata"], "name": "kept2"}}))

    real = kubectl("delete", "configmap", "kept", "--timeout=1s")
    ours = live.manage("delete", "configmap", "kept2", "--timeout=1s")
    at_once = live.manage("delete", "configmap", "kept2", "--wait=false")
    for name in ("kept", "kept2"):
        kubectl("patch", "configmap", name, "--type", "merge", "-p", '{"metadata":{"finalizers":null}}')

    # (the real kubectl may log its informer's own deadline first, a klog line)
    assert (real[0], real[1], real[2].splitlines()[-1]) == (
        1, 'configmap "kept" deleted\n', "error: timed out waiting for the condition on configmaps/kept")
    assert (ours.returncode, ours.stdout, ours.stderr) == (
        1, 'configmap "kept2" deleted\n', "error: timed out waiting for the condition on configmaps/kept2\n")
    assert (at_once.returncode, at_once.stdout) == (0, 'configmap "kept2" deleted\n')
    assert kubectl("get", "configmap", "kept", "kept2", "-o", "name")[1] == ""
