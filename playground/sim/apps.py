from django.apps import AppConfig


class SimConfig(AppConfig):
    name = "playground.sim"
    label = "sim"
