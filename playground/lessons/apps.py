"""The lessons app: lesson files, their checks, and each learner's progress through them."""
from django.apps import AppConfig


class LessonsConfig(AppConfig):
    name = "playground.lessons"
    label = "lessons"
    default_auto_field = "django.db.models.BigAutoField"
