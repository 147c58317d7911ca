from django.urls import path

from . import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("clusters/<slug:cluster>/", views.cluster_view, name="cluster"),
    path("clusters/<slug:cluster>/objects/", views.objects_view, name="objects"),
    path("clusters/<slug:cluster>/clock/", views.clock_view, name="clock"),
    path("clusters/<slug:cluster>/deployments/<slug:namespace>/<str:name>/", views.deployment_view, name="deployment"),
    path("clusters/<slug:cluster>/pods/<slug:namespace>/<str:name>/", views.pod_view, name="pod"),
    path(
        "clusters/<slug:cluster>/deployments/<slug:namespace>/<str:name>/<slug:action>/",
        views.deployment_action,
        name="deployment-action",
    ),
]
