"""The ASGI application: Django over HTTP, and the live pages' websockets."""
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "playground.settings")
django_asgi_app = get_asgi_application()

# These need Django set up first
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.urls import path  # noqa: E402

from playground.web.consumers import ClusterConsumer, DeploymentConsumer, PodConsumer  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            URLRouter(
                [
                    path("ws/clusters/<slug:cluster>/", ClusterConsumer.as_asgi()),
                    path(
                        "ws/clusters/<slug:cluster>/deployments/<slug:namespace>/<str:name>/",
                        DeploymentConsumer.as_asgi(),
                    ),
                    path("ws/clusters/<slug:cluster>/pods/<slug:namespace>/<str:name>/", PodConsumer.as_asgi()),
                ]
            )
        ),
    }
)
