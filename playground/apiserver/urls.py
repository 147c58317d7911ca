from django.urls import re_path

from . import views

app_name = "apiserver"
urlpatterns = [
    # kubectl's paths have no trailing slash: /clusters/default/api/v1/namespaces/default/pods
    re_path(r"^clusters/(?P<cluster>[-a-z0-9]+)/(?P<path>(?:api|apis|version|openapi)(?:/.*)?)$", views.serve, name="api"),
]
