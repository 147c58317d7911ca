"""`python manage.py rollout status|history|undo|pause|resume|restart deployment/NAME`: kubectl rollout."""
from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from playground.kubectl import rollout
from playground.kubectl.args import resource_arguments
from playground.management.cli import CommandFailed, KubectlCommand
from playground.store import api as store
from playground.store import changelog


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
        message, done = rollout.rollout_status_message(deployment)
        self.stdout.write(message)
        if done or watch == "false":
            return
        for event in changelog.watch(cluster, changelog.current_resource_version(), kind="Deployment", namespace=namespace, timeout=timeout):
            if event.object["metadata"]["name"] != name:
                continue
            latest, done = rollout.rollout_status_message(event.object)
            if latest != message:
                self.stdout.write(latest)
                message = latest
            if done:
                return
        raise CommandFailed("timed out waiting for the condition")

    def history(self, cluster: str, name: str, namespace: str, **_: Any) -> None:
        text = rollout.history(cluster, name, namespace)
        self.stdout.write(f"deployment.apps/{name} ")
        self.stdout.write(text.rstrip("\n"))

    def undo(self, cluster: str, name: str, namespace: str, *, to_revision: int, **_: Any) -> None:
        self.stdout.write(rollout.undo(cluster, name, namespace, to_revision=to_revision))

    def pause(self, cluster: str, name: str, namespace: str, **_: Any) -> None:
        self.stdout.write(rollout.set_paused(cluster, name, namespace, paused=True))

    def resume(self, cluster: str, name: str, namespace: str, **_: Any) -> None:
        self.stdout.write(rollout.set_paused(cluster, name, namespace, paused=False))

    def restart(self, cluster: str, name: str, namespace: str, **_: Any) -> None:
        self.stdout.write(rollout.restart(cluster, name, namespace))
