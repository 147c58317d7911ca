"""kubectl rollout's client side: undo writes an old template back, history lists revisions,
restart changes one template annotation; then the Deployment controller's rules roll it out."""
from __future__ import annotations

from playground.controllers.deployment_util import (
    POD_TEMPLATE_HASH_LABEL,
    REVISION_ANNOTATION,
    REVISION_HISTORY_ANNOTATION,
)
from playground.kubectl.rollout import restarted_template, rollback_to, rollout_history
from tests.controllers.test_deployment_rules import T0, World, deployment, rolled_out_twice


def test_rollback_reuses_the_old_replica_set_under_the_next_revision():
    world = rolled_out_twice()
    old_name = next(n for n, rs in world.rss.items() if rs["metadata"]["annotations"][REVISION_ANNOTATION] == "1")

    undo = rollback_to(world.d, list(world.rss.values()), 0)
    world.d["spec"]["template"] = undo.template
    world.d["metadata"]["annotations"] = undo.annotations
    world.d["metadata"]["generation"] += 1
    plans = world.settle()

    assert undo.message == "rolled back"
    assert POD_TEMPLATE_HASH_LABEL not in undo.template["metadata"]["labels"]
    assert all(plan.create == [] for plan in plans)  # no new ReplicaSet: the old one is brought back
    annotations = world.rss[old_name]["metadata"]["annotations"]
    assert annotations[REVISION_ANNOTATION] == "3"
    assert annotations[REVISION_HISTORY_ANNOTATION] == "1"
    assert world.rss[old_name]["spec"]["replicas"] == 3
    assert world.d["metadata"]["annotations"][REVISION_ANNOTATION] == "3"


def test_rollback_to_a_missing_revision_says_so_like_kubectl():
    world = rolled_out_twice()

    undo = rollback_to(world.d, list(world.rss.values()), 7)

    assert (undo.ok, undo.message, undo.template) == (False, "unable to find specified revision 7 in history", None)


def test_rollback_to_the_current_template_is_skipped():
    world = rolled_out_twice()

    undo = rollback_to(world.d, list(world.rss.values()), 2)

    assert (undo.ok, undo.message) == (True, "skipped rollback (current template already matches revision 2)")


def test_a_paused_deployment_cannot_be_rolled_back():
    world = rolled_out_twice()
    world.d["spec"]["paused"] = True

    undo = rollback_to(world.d, list(world.rss.values()), 1)

    assert undo.message == (
        "you cannot rollback a paused deployment; "
        "resume it first with 'kubectl rollout resume' and try again"
    )


def test_rollout_history_lists_revisions_with_their_change_cause():
    world = rolled_out_twice()
    first = next(rs for rs in world.rss.values() if rs["metadata"]["annotations"][REVISION_ANNOTATION] == "1")
    first["metadata"]["annotations"]["kubernetes.io/change-cause"] = "kubectl apply --filename=web.yaml"

    assert rollout_history(list(world.rss.values())) == (
        "REVISION  CHANGE-CAUSE\n"
        "1         kubectl apply --filename=web.yaml\n"
        "2         <none>\n"
    )


def test_rollout_history_of_nothing():
    assert rollout_history([]) == "No rollout history found."


def test_a_restart_is_a_template_annotation_and_so_a_new_replica_set():
    world = World(deployment(3))
    world.settle()

    world.d["spec"]["template"] = restarted_template(world.d["spec"]["template"], now=T0)
    world.d["metadata"]["generation"] += 1
    plan = world.reconcile()

    annotations = world.d["spec"]["template"]["metadata"]["annotations"]
    assert annotations == {"kubectl.kubernetes.io/restartedAt": "2026-01-01T12:00:00Z"}
    assert len(plan.create) == 1
    assert plan.create[0]["metadata"]["annotations"][REVISION_ANNOTATION] == "2"

