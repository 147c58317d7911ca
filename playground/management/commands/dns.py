"""`python manage.py dns NAME [-n NAMESPACE] [--type A|SRV|CNAME] [--short]`: a DNS lookup from a pod.

Asks what a pod in NAMESPACE would get from the cluster's DNS (playground.sim.dns: CoreDNS's
kubernetes plugin over the store's Services, Endpoints and Pods, the Kubernetes DNS-Based Service
Discovery specification), and prints the answer section as `dig +noall +answer` does (`--short`:
the data only, as `dig +short`). A name that does not exist prints nslookup's NXDOMAIN line on
stderr and exits with 1; a name without records of that type prints nslookup's "No answer".
"""
from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from playground.management.cli import KubectlCommand
from playground.sim.dns import NXDOMAIN, RECORD_TYPES, answer_lines, cluster_resolve


class Command(KubectlCommand):
    help = "Resolve a name as a pod would (CoreDNS): `dns web-0.nginx`, `dns _http._tcp.web --type SRV`."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("name", help="a short name (searched from the pod's namespace) or a full one")
        parser.add_argument("-n", "--namespace", default="default", help="the namespace of the asking pod")
        parser.add_argument("--type", dest="record_type", default="A", type=str.upper, choices=RECORD_TYPES)
        parser.add_argument("--short", action="store_true", help="print the data only, as dig +short")

    def run(self, *, cluster: str, name: str, namespace: str, record_type: str, short: bool, **options: Any) -> None:
        answer = cluster_resolve(cluster, name, namespace=namespace, record_type=record_type)
        if answer.rcode == NXDOMAIN:
            self.error(f"** server can't find {name}: NXDOMAIN")
        elif not answer.records:
            self.stderr.write(f"*** Can't find {name}: No answer")
        for line in answer_lines(answer, short=short):
            self.stdout.write(line)
