"""The storage behind PersistentVolumes: a deleted volume's files go with it.

The PersistentVolume controller reclaims a released volume with policy Delete by deleting it
(the provisioner or the hostPath deleter removes the storage first) → here → its files
(`VolumeFile` rows under `pv/NAME`) are deleted, so a new volume never shows an old one's data.
A Retain volume deleted by hand leaves its storage behind, as a real disk would be: a volume
made again with the same name finds the files.
"""
from __future__ import annotations

from typing import Any, Iterable

from playground.runtime.cache import Key
from playground.runtime.controller import Controller, Result

from .models import VolumeFile

Obj = dict[str, Any]


class VolumeStorage(Controller):
    kind = "PersistentVolume"
    component = "persistentvolume-deleter"

    def keys_for(self, obj: Obj, old: Obj | None) -> Iterable[Key]:
        if obj["kind"] == self.kind and obj["spec"].get("persistentVolumeReclaimPolicy") == "Delete" \
                and self.cache.get(self.kind, obj["metadata"]["name"]) is None:
            yield obj["metadata"]["name"]  # deleted

    def reconcile(self, name: Key) -> Result:
        if self.cache.get(self.kind, name) is None:
            VolumeFile.objects.filter(cluster__name=self.cluster, volume=f"pv/{name}").delete()
        return Result()
