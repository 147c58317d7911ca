"""`python manage.py rollout status|history|undo|pause|resume|restart deployment/NAME`: kubectl rollout."""
from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from playground.kubectl import verbs
from playground.controllers.deployment_rules import rollout_history
from playground.management.cli import CommandFailed, KubectlCommand, resource_arguments
from playground.store import api as store


class Command(KubectlCommand):
    help = "Manage a Deployment's rollout: status, history, undo [--to-revision=N], pause, resume, restart."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("action", choices=("status", "history", "undo", "pause", "resume", "restart"))
        parser.add_argument("resources", nargs="+", metavar="deployment/NAME")
        parser.add_argument("-n", "--namespace", default="default")
        parser.add_argument("--to-revision", type=int, default=0)
        parser.add_argument("-w", "--watch", default="true", choices=("true", "false"))
        parser.add_argument("--timeout", type=float, default=600.0, help="real seconds status waits")

    def run(self, *, cluster: str, action: str, resources: list[str], namespace: str, **options: Any) -> None:
        for kind, name in resource_arguments(resources):
            if kind.kind != "Deployment" or name is None:
                raise CommandFailed(f"no rollout {action} for {kind.plural}: name a deployment")
            getattr(self, action)(cluster, name, namespace, **options)

    def status(self, cluster: str, name: str, namespace: str, *, watch: str, timeout: float, **_: Any) -> None:
        deployment = store.get(cluster, "Deployment", name, namespace)
        message, done = rollout_status_message(deployment)
        self.stdout.write(message)
        if done or watch == "false":
            return
        for event in store.watch(cluster, store.current_resource_version(), kind="Deployment", namespace=namespace, timeout=timeout):
            if event.object["metadata"]["name"] != name:
                continue
            latest, done = rollout_status_message(event.object)
            if latest != message:
                self.stdout.write(latest)
                message = latest
            if done:
                return
        raise CommandFailed("timed out waiting for the condition")

    def history(self, cluster: str, name: str, namespace: str, **_: Any) -> None:
        deployment = store.get(cluster, "Deployment", name, namespace)
        replica_sets = store.list(cluster, "ReplicaSet", namespace=namespace)
        self.stdout.write(f"deployment.apps/{name} ")
        self.stdout.write(rollout_history(owned(deployment, replica_sets)).rstrip("\n"))

    def undo(self, cluster: str, name: str, namespace: str, *, to_revision: int, **_: Any) -> None:
        self.stdout.write(verbs.undo(cluster, name, namespace, to_revision=to_revision))

    def pause(self, cluster: str, name: str, namespace: str, **_: Any) -> None:
        self.stdout.write(verbs.set_paused(cluster, name, namespace, paused=True))

    def resume(self, cluster: str, name: str, namespace: str, **_: Any) -> None:
        self.stdout.write(verbs.set_paused(cluster, name, namespace, paused=False))

    def restart(self, cluster: str, name: str, namespace: str, **_: Any) -> None:
        self.stdout.write(verbs.restart(cluster, name, namespace))


def owned(deployment: dict, replica_sets: list[dict]) -> list[dict]:
    uid = deployment["metadata"]["uid"]
    return [rs for rs in replica_sets if any(r["uid"] == uid for r in rs["metadata"].get("ownerReferences") or [])]


def rollout_status_message(deployment: dict) -> tuple[str, bool]:
    """kubectl's DeploymentStatusViewer: what `rollout status` prints, and whether it is done."""
    name, status = deployment["metadata"]["name"], deployment.get("status", {})
    if deployment["metadata"].get("generation", 0) > status.get("observedGeneration", 0):
        return "Waiting for deployment spec update to be observed...", False
    progressing = next((c for c in status.get("conditions", []) if c["type"] == "Progressing"), None)
    if progressing is not None and progressing.get("reason") == "ProgressDeadlineExceeded":
        raise CommandFailed(f'deployment "{name}" exceeded its progress deadline')
    desired, updated = deployment["spec"].get("replicas", 1), status.get("updatedReplicas", 0)
    if updated < desired:
        return f'Waiting for deployment "{name}" rollout to finish: {updated} out of {desired} new replicas have been updated...', False
    if status.get("replicas", 0) > updated:
        return f'Waiting for deployment "{name}" rollout to finish: {status["replicas"] - updated} old replicas are pending termination...', False
    if status.get("availableReplicas", 0) < updated:
        return f'Waiting for deployment "{name}" rollout to finish: {status.get("availableReplicas", 0)} of {updated} updated replicas are available...', False
    return f'deployment "{name}" successfully rolled out', True
