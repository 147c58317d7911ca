from django.apps import AppConfig


class PlaygroundConfig(AppConfig):
    """The project app: it holds the management commands (playground, apply, get, ...)."""

    name = "playground"
