"""kubectl describe: the sections kubectl v1.32 prints, aligned as its tabwriter aligns them, ending
with the object's own Events; Secret values never shown."""
from __future__ import annotations

from playground.kubectl.describe_text import tabwrite
from tests.commands.test_kubectl_commands import run
from tests.factories import config_map, deployment, pod
from tests.kubectl.test_console import console


def test_columns_align_over_consecutive_lines_only_as_go_tabwriter_does():
    text = "Name:\tweb\nLabels:\tapp=web\n\ttier=front\nIPs:\n  IP:\t10.0.0.1\nControlled By:\tReplicaSet/web\n"

    assert tabwrite(text).split("\n") == [
        "Name:    web",
        "Labels:  app=web",
        "         tier=front",
        "IPs:",  # a line without a cell ends the block: what follows aligns on its own
        "  IP:           10.0.0.1",
        "Controlled By:  ReplicaSet/web",
        "",
    ]


def test_a_deployment_shows_its_replicas_template_replica_sets_and_events(cluster):
    cluster.apply(deployment("web", replicas=2))
    cluster.advance(30)

    code, out, err = console(cluster, "kubectl describe deployment web")

    lines = out.splitlines()
    assert code == 0 and err == ""
    assert lines[0] == "Name:                   web"
    assert "Replicas:               2 desired | 2 updated | 2 total | 2 available | 0 unavailable" in lines
    assert "RollingUpdateStrategy:  25% max unavailable, 25% max surge" in lines
    assert any(line.startswith("NewReplicaSet:   web-") and line.endswith("(2/2 replicas created)") for line in lines)
    assert lines[lines.index("Events:") + 1].split() == ["Type", "Reason", "Age", "From", "Message"]
    assert "ScalingReplicaSet" in lines[-1] and "deployment-controller" in lines[-1]


def test_a_pod_shows_its_containers_conditions_and_only_its_own_events(cluster):
    cluster.create(pod("web"))
    cluster.advance(30)
    cluster.delete("Pod", "web", "default", grace_period_seconds=0)
    cluster.advance(30)
    cluster.create(pod("web", image="redis:7"))  # same name, another uid: the old pod's events are not its
    cluster.advance(30)

    out = console(cluster, "kubectl describe pod web")[1]

    lines = out.splitlines()
    assert "  main:" in lines
    assert "    Image:          redis:7" in lines
    assert "    State:          Running" in lines
    assert "  Ready                       True " in lines  # kubectl's own trailing space
    events = lines[lines.index("Events:") + 3:]
    assert [e.split()[1] for e in events] == ["Scheduled", "Pulling", "Pulled", "Created", "Started"]
    assert not any("nginx" in e for e in events)


def test_a_secret_shows_sizes_never_values(cluster):
    console(cluster, "kubectl create secret generic db --from-literal=password=s3cret --from-literal=user=admin")

    out = console(cluster, "kubectl describe secret db")[1]

    assert "s3cret" not in out and "admin" not in out
    assert out.splitlines()[-4:] == ["Data", "====", "password:  6 bytes", "user:      5 bytes"]


def test_describe_a_type_describes_each_object_and_says_when_none_match(cluster):
    cluster.create(config_map("a", {"mode": "demo"}))
    cluster.create(config_map("b", {"mode": "live"}))

    out = console(cluster, "kubectl describe configmaps -l app!=x")[1].split("\n")

    starts = [i for i, line in enumerate(out) if line.startswith("Name:")]
    assert [out[i] for i in starts][-2:] == ["Name:         a", "Name:         b"]
    assert out[starts[-1] - 2:starts[-1]] == ["", ""]  # two empty lines between two objects
    assert "mode:\n----\nlive\n" in "\n".join(out)
    assert console(cluster, "kubectl describe configmaps -l app=none") == (0, "", "No resources found in default namespace.")


def test_a_node_shows_its_roles_taints_and_the_pods_on_it(cluster):
    cluster.create(pod("web", node="playground-worker"))
    cluster.advance(30)

    out = console(cluster, "kubectl describe node playground-control-plane")[1] + "\n"
    worker = console(cluster, "kubectl describe node playground-worker")[1]

    assert "Roles:              control-plane\n" in out
    assert "Taints:             node-role.kubernetes.io/control-plane:NoSchedule\n" in out
    assert "Allocated resources:\n  (Total limits may be over 100 percent, i.e., overcommitted.)\n" in out
    assert any(line.split()[:2] == ["default", "web"] for line in worker.splitlines())


def test_a_service_lists_its_ports_and_ready_endpoints(cluster):
    cluster.apply(deployment("web", replicas=2))
    console(cluster, "kubectl apply -f - <<EOF\napiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n"
                     "  selector: {app: web}\n  ports: [{port: 80}]\nEOF")
    cluster.advance(30)

    lines = console(cluster, "kubectl describe service web")[1].splitlines()

    assert "Port:                     <unset>  80/TCP" in lines
    endpoints = next(line for line in lines if line.startswith("Endpoints:")).split()[1]
    assert len(endpoints.split(",")) == 2 and all(e.endswith(":80") for e in endpoints.split(","))


def test_the_management_command_prints_the_same(cluster):
    cluster.apply(deployment("web", replicas=1))
    cluster.advance(30)

    status, out, _ = run("describe", "deploy/web")

    assert status == 0 and out.rstrip("\n") == console(cluster, "kubectl describe deploy/web")[1]
    assert run("describe", "pod", "nosuch")[2] == 'Error from server (NotFound): pods "nosuch" not found\n'
