from django.apps import AppConfig


class ApiServerConfig(AppConfig):
    name = "playground.apiserver"
    label = "apiserver"
