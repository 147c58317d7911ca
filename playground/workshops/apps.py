"""The workshops app: workshops, their attendees, and who may reach which cluster."""
from django.apps import AppConfig


class WorkshopsConfig(AppConfig):
    name = "playground.workshops"
    label = "workshops"
    default_auto_field = "django.db.models.BigAutoField"
