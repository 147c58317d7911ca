from django.urls import path

from . import containerfs_views, editor_views, image_views, loop_views, views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("clusters/<slug:cluster>/", views.cluster_view, name="cluster"),
    path("clusters/<slug:cluster>/objects/", views.objects_view, name="objects"),
    path("clusters/<slug:cluster>/clock/", views.clock_view, name="clock"),
    path("clusters/<slug:cluster>/deployments/<slug:namespace>/<str:name>/", views.deployment_view, name="deployment"),
    path("clusters/<slug:cluster>/pods/<slug:namespace>/<str:name>/", views.pod_view, name="pod"),
    path("clusters/<slug:cluster>/pods/<slug:namespace>/<str:name>/containers/<str:container>/fs/",
         containerfs_views.container_fs_view, name="container-fs"),
    path(
        "clusters/<slug:cluster>/deployments/<slug:namespace>/<str:name>/<slug:action>/",
        views.deployment_action,
        name="deployment-action",
    ),
    path("clusters/<slug:cluster>/pods/<slug:namespace>/<str:name>/<slug:action>/", views.pod_action, name="pod-action"),
    path("clusters/<slug:cluster>/replicasets/<slug:namespace>/<str:name>/", views.replica_set_view, name="replicaset"),
    path("clusters/<slug:cluster>/statefulsets/<slug:namespace>/<str:name>/", views.stateful_set_view, name="statefulset"),
    path("clusters/<slug:cluster>/daemonsets/<slug:namespace>/<str:name>/", views.daemon_set_view, name="daemonset"),
    path("clusters/<slug:cluster>/services/<slug:namespace>/<str:name>/", views.service_view, name="service"),
    path("clusters/<slug:cluster>/configmaps/<slug:namespace>/<str:name>/", views.config_map_view, name="configmap"),
    path("clusters/<slug:cluster>/secrets/<slug:namespace>/<str:name>/", views.secret_view, name="secret"),
    path("clusters/<slug:cluster>/secrets/<slug:namespace>/<str:name>/reveal/", views.secret_reveal, name="secret-reveal"),
    path("clusters/<slug:cluster>/nodes/<str:name>/", views.node_view, name="node"),
    path("clusters/<slug:cluster>/nodes/<str:name>/<slug:action>/", views.node_action, name="node-action"),
    path("clusters/<slug:cluster>/namespaces/<slug:name>/", views.namespace_view, name="namespace"),
    path("clusters/<slug:cluster>/events/", views.events_view, name="events"),
    path("clusters/<slug:cluster>/dns/", views.dns_view, name="dns"),
    path("clusters/<slug:cluster>/loop/", loop_views.loop_view, name="loop"),
    # the manifest editor (editor_views): new, edit as form or YAML, download, upload
    path("clusters/<slug:cluster>/new/", editor_views.new_object, name="new"),
    path("clusters/<slug:cluster>/new/<str:kind>/", editor_views.new_object, name="new-kind"),
    path("clusters/<slug:cluster>/editor/", editor_views.editor_post, name="editor"),
    path("clusters/<slug:cluster>/edit/<str:kind>/<slug:namespace>/<str:name>/", editor_views.edit_object, name="edit"),
    path("clusters/<slug:cluster>/edit/<str:kind>/<str:name>/", editor_views.edit_object, name="edit-cluster-scoped"),
    path("clusters/<slug:cluster>/download/<str:kind>/<slug:namespace>/<str:name>.yaml", editor_views.download,
         name="download"),
    path("clusters/<slug:cluster>/download/<str:kind>/<str:name>.yaml", editor_views.download,
         name="download-cluster-scoped"),
    path("clusters/<slug:cluster>/upload/", editor_views.upload, name="upload"),
    path("clusters/<slug:cluster>/images/", image_views.images_view, name="images"),
    path("clusters/<slug:cluster>/images/upload/", image_views.upload_view, name="image-upload"),
    path("clusters/<slug:cluster>/images/build/", image_views.build_view, name="image-build"),
    path("clusters/<slug:cluster>/images/<path:ref>/", image_views.image_view, name="image"),
]
