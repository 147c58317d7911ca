"""The API server app: its watches wake when this process commits to their cluster."""
from django.apps import AppConfig


class ApiServerConfig(AppConfig):
    name = "playground.apiserver"
    label = "apiserver"

    def ready(self) -> None:
        from playground.store.changelog import changes_committed

        from .watch import wake

        changes_committed.connect(wake, weak=False, dispatch_uid="apiserver.watch.wake")
