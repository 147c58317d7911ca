"""The simulated nodes' app: its kubelets answer the API server's log and exec requests."""
from django.apps import AppConfig


class SimConfig(AppConfig):
    name = "playground.sim"
    label = "sim"

    def ready(self) -> None:
        from playground.runtime import kubelet_client

        from .server import Kubelets

        kubelet_client.connect(Kubelets())
