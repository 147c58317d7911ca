from django.urls import include, path

urlpatterns = [
    path("", include("playground.apiserver.urls")),
    path("", include("playground.web.urls")),
]
