"""`python manage.py node cordon|uncordon|drain|stop|start NAME`: what an operator does to a node.

cordon, uncordon and drain are kubectl's; stop and start switch the node's simulated kubelet
off and on (its Lease stops being renewed, and the node lifecycle controller reacts as it
would to a machine that went away).
"""
from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from playground.management.cli import CommandFailed, KubectlCommand
from playground.store import api as store
from playground.store.errors import NotFound

KUBELET_STOPPED = "playground.dev/kubelet-stopped"  # read by the simulated kubelet


class Command(KubectlCommand):
    help = "Cordon, uncordon or drain a node (as kubectl), or stop and start its simulated kubelet."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("action", choices=("cordon", "uncordon", "drain", "stop", "start"))
        parser.add_argument("name")
        parser.add_argument("--ignore-daemonsets", action="store_true")
        parser.add_argument("--force", action="store_true", help="drain also deletes pods no controller will replace")
        parser.add_argument("--grace-period", type=int, default=None)

    def run(self, *, cluster: str, action: str, name: str, **options: Any) -> None:
        node = store.get(cluster, "Node", name)
        if action in ("cordon", "uncordon", "drain"):
            self.set_unschedulable(cluster, node, action != "uncordon")
        if action == "drain":
            self.drain(cluster, name, **options)
        elif action in ("stop", "start"):
            annotations = {KUBELET_STOPPED: "true" if action == "stop" else None}
            store.patch(cluster, "Node", name, "", {"metadata": {"annotations": annotations}}, patch_type="merge")
            self.stdout.write(f"node/{name} kubelet {'stopped' if action == 'stop' else 'started'}")

    def set_unschedulable(self, cluster: str, node: dict, unschedulable: bool) -> None:
        name = node["metadata"]["name"]
        verb = "cordoned" if unschedulable else "uncordoned"
        if bool(node["spec"].get("unschedulable")) == unschedulable:
            self.stdout.write(f"node/{name} already {verb}")
            return
        store.patch(cluster, "Node", name, "", {"spec": {"unschedulable": unschedulable or None}}, patch_type="merge")
        self.stdout.write(f"node/{name} {verb}")

    def drain(self, cluster: str, name: str, *, ignore_daemonsets: bool, force: bool, grace_period: int | None, **_: Any) -> None:
        pods = store.list(cluster, "Pod", namespace=None, field_selector=f"spec.nodeName={name}")
        daemons = [p for p in pods if _controller_kind(p) == "DaemonSet"]
        unmanaged = [p for p in pods if _controller_kind(p) is None]
        if daemons and not ignore_daemonsets:
            raise CommandFailed(f"cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): {_names(daemons)}")
        if unmanaged and not force:
            raise CommandFailed(f"cannot delete Pods that declare no controller (use --force to override): {_names(unmanaged)}")
        if daemons:
            self.stdout.write(f"Warning: ignoring DaemonSet-managed Pods: {_names(daemons)}")
        for pod in pods:
            if pod in daemons or pod["metadata"].get("deletionTimestamp"):
                continue
            namespace, pod_name = pod["metadata"]["namespace"], pod["metadata"]["name"]
            self.stdout.write(f"evicting pod {namespace}/{pod_name}")
            try:
                store.delete(cluster, "Pod", pod_name, namespace, grace_period_seconds=grace_period)
            except NotFound:
                continue
            self.stdout.write(f"pod/{pod_name} evicted")
        self.stdout.write(f"node/{name} drained")


def _controller_kind(pod: dict) -> str | None:
    for ref in pod["metadata"].get("ownerReferences") or []:
        if ref.get("controller"):
            return ref["kind"]
    return None


def _names(pods: list[dict]) -> str:
    return ", ".join(f"{p['metadata']['namespace']}/{p['metadata']['name']}" for p in pods)
