from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "playground.web"
    label = "web"

    def ready(self) -> None:
        from asgiref.sync import async_to_sync
        from channels.layers import get_channel_layer

        from playground.store.api import changes_committed

        from .consumers import group_name

        def tell_pages(*, cluster: str, resource_version: int, **_: object) -> None:
            """Every committed write reaches the open pages of its cluster (any process, via the layer)."""
            layer = get_channel_layer()
            if layer is not None:
                async_to_sync(layer.group_send)(
                    group_name(cluster), {"type": "cluster.changed", "resource_version": resource_version}
                )

        changes_committed.connect(tell_pages, weak=False, dispatch_uid="web.tell_pages")
