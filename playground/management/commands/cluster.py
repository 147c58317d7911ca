"""`python manage.py cluster list|create|reset|delete|quota [NAME]`: sandboxes, each a whole cluster.

`cluster quota NAME --pods 50 --replicas 10 …` sets some of a cluster's limits
(playground/store/quota.py; `unlimited` lifts one, `default` takes the settings' default again),
and with no limit given prints them with what the cluster uses, as `kubectl describe quota` does.
"""
from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from playground.management.cli import CommandFailed, KubectlCommand
from playground.sim.kind import create_kind_cluster, reset_kind_cluster
from playground.store import clusters, quota


class Command(KubectlCommand):
    help = "List, create (as kind makes one: nodes, namespaces, kube-system), reset or delete clusters."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=("list", "create", "reset", "delete", "quota"))
        parser.add_argument("name", nargs="?")
        parser.add_argument("--empty", action="store_true", help="create without the demo content")
        for limit in quota.LIMITS:
            parser.add_argument(f"--{limit.replace('_', '-')}", dest=f"quota_{limit}", metavar="N",
                                help=f"quota: {limit.replace('_', ' ')} (a number, unlimited, or default)")

    def cluster_used(self, *, action: str, name: str | None, **_: Any) -> str | None:
        return name if action in ("reset", "quota") else None

    def run(self, *, action: str, name: str | None, empty: bool, **options: Any) -> None:
        if action == "list":
            for cluster in clusters.names():
                self.stdout.write(cluster)
            return
        if not name:
            raise CommandFailed(f"cluster {action} needs a NAME")
        if action == "quota":
            self.quota(name, {limit: options[f"quota_{limit}"] for limit in quota.LIMITS
                              if options.get(f"quota_{limit}") is not None})
            return
        if action == "create" and empty:
            clusters.create(name)
        elif action == "create":
            create_kind_cluster(name)
        elif action == "reset":
            reset_kind_cluster(name)
        else:
            clusters.delete(name)
        self.stdout.write(f'cluster "{name}" {action}d' if action != "reset" else f'cluster "{name}" reset')

    def quota(self, name: str, changes: dict[str, str]) -> None:
        if changes:
            in_force = clusters.set_quota(name, **{limit: limit_value(limit, text) for limit, text in changes.items()})
            self.stdout.write(f'cluster "{name}" quota set: {describe_limits(in_force)}')
            return
        in_force, used = clusters.quota_of(name), clusters.usage(clusters.id_of(name))
        rows = [(resource, str(used[resource]), str(hard) if hard is not None else "unlimited")
                for resource, hard in ((quota.NODES, in_force.nodes), (quota.OBJECTS, in_force.objects),
                                       (quota.PODS, in_force.pods))]
        rows += [(limit, "-", f"{value:g}") for limit, value in in_force.limits().items()
                 if limit not in ("nodes", "objects", "pods")]
        width = max(len(r[0]) for r in rows) + 2
        self.stdout.write(f"Name:     {quota.QUOTA_NAME}\nCluster:  {name}")
        self.stdout.write(f"{'Resource':<{width}}Used  Hard\n{'--------':<{width}}----  ----")
        for resource, use, hard in rows:
            self.stdout.write(f"{resource:<{width}}{use:<6}{hard}")


def limit_value(limit: str, text: str) -> int | float | str | None:
    """`--pods 50` → 50, `unlimited` → None, `default` stays; anything else is a clear error."""
    if text in ("unlimited", "default"):
        return None if text == "unlimited" else text
    try:
        return float(text) if limit == "requests_per_second" else int(text)
    except ValueError:
        raise CommandFailed(f'--{limit.replace("_", "-")}: "{text}" is not a number, unlimited or default') from None


def describe_limits(in_force: quota.Quota) -> str:
    limits = in_force.limits()
    return ", ".join(f"{limit}={value:g}" for limit, value in limits.items()) if limits else "no limits"
