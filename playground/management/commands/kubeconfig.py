"""`python manage.py kubeconfig [--cluster NAME] [--namespace NS] [--server URL] [-o FILE]`:
a kubeconfig (with a new token) for the real kubectl and the Python client."""
from __future__ import annotations

import os
from typing import Any

from django.core.management.base import CommandParser

from playground.apiserver.kubeconfig import kubeconfig
from playground.management.cli import CommandFailed, KubectlCommand
from playground.store import clusters


class Command(KubectlCommand):
    help = ("Write a kubeconfig for a cluster: `KUBECONFIG=FILE kubectl get pods` then works against the "
            "playground's Kubernetes API. Each call makes a new token.")

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("-n", "--namespace", default="", help="the context's default namespace")
        parser.add_argument("--only-namespace", action="store_true",
                            help="bind the token to --namespace: it is refused (403) anywhere else")
        parser.add_argument("--server", default="https://127.0.0.1:6443", help="where the playground serves")
        parser.add_argument("-o", "--output", help="write to this file (mode 600) instead of stdout")

    def run(self, *, cluster: str, namespace: str, only_namespace: bool, server: str, output: str | None,
            **_: Any) -> None:
        if only_namespace and not namespace:
            raise CommandFailed("--only-namespace needs --namespace")
        clusters.id_of(cluster)  # NotFound before a token is made
        text = kubeconfig(cluster, server=server, namespace=namespace, bound=only_namespace)
        if output is None:
            self.stdout.write(text, ending="")
            return
        descriptor = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as f:
            f.write(text)
        self.stdout.write(f"kubeconfig for cluster {cluster} written to {output}")
