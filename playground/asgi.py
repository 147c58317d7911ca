"""The ASGI application: Django over HTTP, and the live pages' websockets."""
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "playground.settings")
django_asgi_app = get_asgi_application()

# These need Django set up first
from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.urls import path, re_path  # noqa: E402

from playground.apiserver.exec import PATH as EXEC_PATH  # noqa: E402
from playground.apiserver.exec import ExecConsumer  # noqa: E402
from playground.web import consumers  # noqa: E402
from playground.web.consumers import ClusterConsumer, DeploymentConsumer, PodConsumer  # noqa: E402
from playground.web.console import ConsoleConsumer  # noqa: E402
from playground.web.proxies import TrustedProxies  # noqa: E402
from playground.web.lesson_consumers import LessonConsumer  # noqa: E402
from playground.web.signin import SignInRequired  # noqa: E402
from playground.web.awake import KeepAwake  # noqa: E402
from playground.web.uploads import BodyLimit  # noqa: E402
from playground.web.workshop_access import ClusterAccessGuard  # noqa: E402
from playground.web.workshop_consumers import RoomConsumer, StageConsumer  # noqa: E402

# A namespaced object's page → its consumer: /ws/clusters/<cluster>/<plural>/<namespace>/<name>/
OBJECT_SOCKETS = {
    "replicasets": consumers.ReplicaSetConsumer,
    "services": consumers.ServiceConsumer,
    "statefulsets": consumers.StatefulSetConsumer,
    "daemonsets": consumers.DaemonSetConsumer,
    "configmaps": consumers.ConfigMapConsumer,
    "secrets": consumers.SecretConsumer,
    "persistentvolumeclaims": consumers.PersistentVolumeClaimConsumer,
}

# The session (an attendee's binding, an instructor's account) is read for every page socket:
# who may see a cluster depends on it even on loopback
page_sockets = AllowedHostsOriginValidator(AuthMiddlewareStack(
            SignInRequired(ClusterAccessGuard(URLRouter(
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
                    path("ws/clusters/<slug:cluster>/persistentvolumes/<str:name>/", consumers.PersistentVolumeConsumer.as_asgi()),
                    path("ws/clusters/<slug:cluster>/namespaces/<slug:name>/", consumers.NamespaceConsumer.as_asgi()),
                    path("ws/clusters/<slug:cluster>/events/", consumers.EventsConsumer.as_asgi()),
                    path("ws/clusters/<slug:cluster>/dns/", consumers.DnsConsumer.as_asgi()),
                    path("ws/clusters/<slug:cluster>/loop/", consumers.LoopConsumer.as_asgi()),
                    path("ws/clusters/<slug:cluster>/lessons/<slug:lesson>/<int:step>/", LessonConsumer.as_asgi()),
                    path("ws/clusters/<slug:cluster>/console/", ConsoleConsumer.as_asgi()),
                    path("ws/workshops/<slug:workshop>/room/", RoomConsumer.as_asgi()),
                    path("ws/workshops/<slug:workshop>/stage/", StageConsumer.as_asgi()),
                    re_path(r"", consumers.NoRouteConsumer.as_asgi()),  # last: any other path is refused
                ]
            )))
        ))
exec_socket = ExecConsumer.as_asgi()


async def websockets(scope, receive, send):  # noqa: ANN001 - an ASGI application
    """`kubectl exec` comes with a bearer token and no Origin: the API checks it, as every API
    request; the pages' sockets come from the browser, origin-checked and signed in."""
    app = exec_socket if EXEC_PATH.match(scope["path"]) else page_sockets
    return await app(scope, receive, send)


# First: every page, socket and limit below sees the client the trusted proxies name, not the proxy;
# then every request and socket of a cluster keeps it awake while it lasts, and wakes it if it slept
application = TrustedProxies(ProtocolTypeRouter({
    "http": KeepAwake(BodyLimit(django_asgi_app)),  # a body over its page's limit never reaches Django
    "websocket": KeepAwake(websockets),
}))
