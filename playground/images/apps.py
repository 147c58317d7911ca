from django.apps import AppConfig


class ImagesConfig(AppConfig):
    name = "playground.images"
    label = "images"
