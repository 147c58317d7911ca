"""The images app: its tables (models.py), and the one link from the catalog up to them.

catalog.find(reference, cluster=...) answers for a cluster's built and imported images through
registry.find_built, handed over here when Django starts: registry.py stores images in the
database and builds them (dockerfile.py), both above the catalog, which so imports neither.
"""
from __future__ import annotations

from django.apps import AppConfig


class ImagesConfig(AppConfig):
    name = "playground.images"
    label = "images"

    def ready(self) -> None:
        from . import catalog, registry  # models are loaded only now

        catalog.answer_for_clusters(registry.find_built)
