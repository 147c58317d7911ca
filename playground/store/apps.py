from django.apps import AppConfig


class StoreConfig(AppConfig):
    name = "playground.store"
    label = "store"
