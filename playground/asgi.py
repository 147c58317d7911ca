"""The ASGI application: Django over HTTP, and the live pages' websockets."""
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "playground.settings")
django_asgi_app = get_asgi_application()

# These need Django set up first
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.urls import path  # noqa: E402

from playground.web import consumers  # noqa: E402
from playground.web.consumers import ClusterConsumer, DeploymentConsumer, PodConsumer  # noqa: E402
from playground.web.signin import SignInRequired  # noqa: E402

# A namespaced object's page → its consumer: /ws/clusters/<cluster>/<plural>/<namespace>/<name>/
OBJECT_SOCKETS = {
    "replicasets": consumers.ReplicaSetConsumer,
    "services": consumers.ServiceConsumer,
    "statefulsets": consumers.StatefulSetConsumer,
    "daemonsets": consumers.DaemonSetConsumer,
    "configmaps": consumers.ConfigMapConsumer,
    "secrets": consumers.SecretConsumer,
}

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            SignInRequired(URLRouter(
                [
                    path("ws/clusters/<slug:cluster>/", ClusterConsumer.as_asgi()),
                    path(
                        "ws/clusters/<slug:cluster>/deployments/<slug:namespace>/<str:name>/",
                        DeploymentConsumer.as_asgi(),
                    ),
                    path("ws/clusters/<slug:cluster>/pods/<slug:namespace>/<str:name>/", PodConsumer.as_asgi()),
                    *(
                        path(f"ws/clusters/<slug:cluster>/{plural}/<slug:namespace>/<str:name>/", consumer.as_asgi())
                        for plural, consumer in OBJECT_SOCKETS.items()
                    ),
                    path("ws/clusters/<slug:cluster>/nodes/<str:name>/", consumers.NodeConsumer.as_asgi()),
                    path("ws/clusters/<slug:cluster>/namespaces/<slug:name>/", consumers.NamespaceConsumer.as_asgi()),
                    path("ws/clusters/<slug:cluster>/events/", consumers.EventsConsumer.as_asgi()),
                    path("ws/clusters/<slug:cluster>/dns/", consumers.DnsConsumer.as_asgi()),
                    path("ws/clusters/<slug:cluster>/loop/", consumers.LoopConsumer.as_asgi()),
                ]
            ))
        ),
    }
)
