"""set image and rollout, as kubectl prints them."""
from __future__ import annotations

from tests.commands.test_kubectl_commands import EXAMPLE, run


def test_set_image_starts_a_new_revision(cluster):
    run("apply", "-f", EXAMPLE)
    cluster.settle()

    assert run("set", "image", "deployment/nginx", "nginx=nginx:1.28") == (0, "deployment.apps/nginx image updated\n", "")
    cluster.settle()

    _, out, _ = run("rollout", "history", "deployment/nginx")
    assert out == "deployment.apps/nginx \nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n"


def test_set_image_names_a_missing_container(cluster):
    run("apply", "-f", EXAMPLE)

    assert run("set", "image", "deployment/nginx", "web=nginx:1.28") == (1, "", 'error: unable to find container named "web"\n')


def test_pause_and_resume(cluster):
    run("apply", "-f", EXAMPLE)

    assert run("rollout", "pause", "deployment/nginx") == (0, "deployment.apps/nginx paused\n", "")
    assert cluster.get("Deployment", "nginx", "default")["spec"]["paused"] is True
    assert run("rollout", "pause", "deployment/nginx")[2] == 'error: deployments.apps "nginx" is already paused\n'
    assert run("rollout", "resume", "deployment/nginx") == (0, "deployment.apps/nginx resumed\n", "")


def test_restart_changes_only_a_template_annotation(cluster):
    run("apply", "-f", EXAMPLE)
    cluster.settle()

    assert run("rollout", "restart", "deployment/nginx") == (0, "deployment.apps/nginx restarted\n", "")
    cluster.settle()

    template = cluster.get("Deployment", "nginx", "default")["spec"]["template"]
    assert "kubectl.kubernetes.io/restartedAt" in template["metadata"]["annotations"]
    assert len(cluster.list("ReplicaSet")) == 2


def test_undo_brings_back_the_previous_template(cluster):
    run("apply", "-f", EXAMPLE)
    cluster.settle()
    run("set", "image", "deployment/nginx", "nginx=nginx:1.28")
    cluster.settle()

    assert run("rollout", "undo", "deployment/nginx") == (0, "deployment.apps/nginx rolled back\n", "")
    cluster.settle()

    d = cluster.get("Deployment", "nginx", "default")
    assert d["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.27"
    assert d["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "3"
    assert run("rollout", "history", "deployment/nginx")[1].splitlines()[2:] == ["2         <none>", "3         <none>"]


def test_status_without_watching_says_where_the_rollout_is(cluster):
    run("apply", "-f", EXAMPLE)
    cluster.settle()

    assert run("rollout", "status", "deployment/nginx", "--watch", "false") == (
        0, 'Waiting for deployment "nginx" rollout to finish: 0 of 3 updated replicas are available...\n', "",
    )
