"""`python manage.py node cordon|uncordon|drain|stop|start|join NAME`: what an operator does to a node.

cordon, uncordon and drain are kubectl's; stop and start switch the node's simulated kubelet
off and on (its Lease stops being renewed, and the node lifecycle controller reacts as it
would to a machine that went away); join adds a worker machine (NAME optional: the next
playground-workerN), as `kubeadm join` does. The Node page's buttons call the same functions
(playground/kubectl/verbs.py for cordon, uncordon and drain; playground/sim/faults.py for
stop and start), and the cluster page's Add a worker node calls sim/kind.py's join_node.
"""
from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from playground.kubectl import verbs
from playground.sim import faults, kind
from playground.management.cli import KubectlCommand


class Command(KubectlCommand):
    help = "Cordon, uncordon or drain a node (as kubectl), or stop and start its simulated kubelet."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("action", choices=("cordon", "uncordon", "drain", "stop", "start", "join"))
        parser.add_argument("name", nargs="?", default="")
        parser.add_argument("--ignore-daemonsets", action="store_true")
        parser.add_argument("--force", action="store_true", help="drain also deletes pods no controller will replace")
        parser.add_argument("--grace-period", type=int, default=None)

    def run(self, *, cluster: str, action: str, name: str, ignore_daemonsets: bool, force: bool,
            grace_period: int | None, **_: Any) -> None:
        if action == "join":
            lines = [kind.join_node(cluster, name)]
        elif not name:
            raise CommandError(f"node {action}: which node? (a NAME)")
        elif action in ("cordon", "uncordon"):
            lines = [verbs.set_unschedulable(cluster, name, unschedulable=action == "cordon")]
        elif action == "drain":
            lines = verbs.drain(cluster, name, ignore_daemonsets=ignore_daemonsets, force=force, grace_period=grace_period)
        else:
            lines = [faults.set_kubelet_running(cluster, name, running=action == "start")]
        for line in lines:
            self.stdout.write(line)
