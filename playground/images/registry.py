"""Each cluster's own images: built from a Dockerfile or imported from a tarball, stored by name.

`image build` / the images page / archive import → here (`build`, `save`, `import_archive`) →
models.py's tables → `find_built` (catalog.find with a cluster: the kubelet's pull, a FROM, the
image pages). Nothing crosses clusters: a cluster's images, layers and build cache are its own
and go with it. Layers are stored once per digest (content-addressed), except the catalog's
base layers, which the catalog makes again on demand. A build that fails stores nothing, not
even its cache entries; a build that succeeds stores its image, its new layers and its cache
entries in one transaction.
"""
from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from django.db import transaction

from playground.store.models import Cluster

from . import catalog, dockerfile
from .catalog import History, Image, ImageConfig, Reference
from .layers import FileEntry, Layer
from .models import BuildCacheEntry, StoredImage, StoredLayer

DIGESTS_PER_QUERY = 500  # SQLite allows 999 parameters in one statement before 3.32


class LayerCache:
    """Decoded layers by digest (digests are content: any cluster may reuse them), the least
    recently used dropped first once they hold more than `max_entries` file entries, which is
    what a layer costs in memory (one imported layer may hold 200,000 files).

    Only a shortcut: `_load_layers` answers from what it read itself, so an image of more
    layers or files than the cache holds loads all the same."""

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self._layers: OrderedDict[str, Layer] = OrderedDict()
        self.entries = 0  # file entries of the layers held (each layer counts one more)
        self._lock = threading.Lock()  # the pages and the kubelets read images from several threads

    def get(self, digest: str) -> Layer | None:
        with self._lock:
            found = self._layers.get(digest)
            if found is not None:
                self._layers.move_to_end(digest)
            return found

    def put(self, current: Layer) -> None:
        with self._lock:
            if self._layers.pop(current.digest, None) is None:
                self.entries += _weight(current)
            self._layers[current.digest] = current
            while self.entries > self.max_entries and self._layers:
                self.entries -= _weight(self._layers.popitem(last=False)[1])

    def clear(self) -> None:
        with self._lock:
            self._layers.clear()
            self.entries = 0


def _weight(current: Layer) -> int:
    return 1 + len(current.entries) + len(current.whiteouts) + len(current.opaque_dirs)


# Holds the largest image an upload may make whole (archive.Limits: 200,000 entries), so its page's
# every htmx request does not decode it again; at about 340 bytes an entry, some 85 MB
_layers = LayerCache(max_entries=250_000)


class RegistryError(Exception):
    """The image cannot be stored or found; the message says why."""


# --- lookups ---------------------------------------------------------------------------------------


def find_built(cluster: str, reference: Reference) -> Image | None:
    """The image built or imported on `cluster` under this name, or None."""
    row = StoredImage.objects.filter(cluster__name=cluster, repository=reference.repository, tag=reference.tag).first()
    return _image(row) if row is not None else None


def images(cluster: str) -> list[Image]:
    """Every image of the cluster, newest first (`image ls`)."""
    return [_image(row) for row in StoredImage.objects.filter(cluster__name=cluster).order_by("-created_at", "-id")]


@dataclass(frozen=True)
class Summary:
    """One line of `docker images` for an image of the cluster."""

    reference: str
    source: str  # "build" | "import"
    layers: int
    size: int  # what the layers weigh unpacked (Image.unpacked_size)


def summaries(cluster: str) -> list[Summary]:
    """Every image of the cluster, newest first, from the stored layer sizes: the images page
    lists the largest image an upload may make without decoding its 200,000 files. An image
    with a layer gone is left out, as its page cannot show it."""
    rows = [(row, [d for d, _ in json.loads(row.layers)])
            for row in StoredImage.objects.filter(cluster__name=cluster).order_by("-created_at", "-id")]
    if not rows:
        return []
    base = _base_layers()
    digests = {d for _, own in rows for d in own}
    sizes: dict[str, int] = {d: base[d].size for d in digests if d in base}
    sizes.update(_stored(rows[0][0].cluster_id, [d for d in digests if d not in sizes], "digest", "size"))
    return [Summary(f"{row.repository}:{row.tag}", row.source, len(own), sum(sizes[d] for d in own))
            for row, own in rows if all(d in sizes for d in own)]


def stored(cluster: str, reference: str) -> StoredImage | None:
    """The row of a stored image (its Dockerfile, build log, source), or None."""
    parsed = catalog.parse_reference(reference)
    if parsed is None:
        return None
    return StoredImage.objects.filter(cluster__name=cluster, repository=parsed.repository, tag=parsed.tag).first()


def _image(row: StoredImage) -> Image:
    layer_rows = json.loads(row.layers)
    layers = _load_layers(row.cluster_id, [digest for digest, _ in layer_rows])
    reference = catalog.parse_reference(f"{row.repository}:{row.tag}")
    registry = reference.registry if reference else "docker.io"
    return Image(
        repository=row.repository.removeprefix(f"{registry}/") if registry != "docker.io" else row.repository,
        tag=row.tag,
        layers=tuple(replace(current, created_by=created_by) if current.created_by != created_by else current
                     for current, (_, created_by) in zip(layers, layer_rows)),
        config=ImageConfig.from_json(json.loads(row.config)),
        history=tuple(History(text, empty) for text, empty in json.loads(row.history)),
        registry=registry, package_manager=row.package_manager, built=True,
    )


def _load_layers(cluster_id: int, digests: Sequence[str]) -> list[Layer]:
    """The layers, bottom first. What this load finds is held here until it returns: the
    cache may drop any of it meanwhile, to make room for the rest of a tall image."""
    base = _base_layers()
    found = {d: current for d in digests if (current := base.get(d) or _layers.get(d)) is not None}
    for digest, entries in _stored(cluster_id, [d for d in dict.fromkeys(digests) if d not in found], "digest", "entries"):
        found[digest] = layer_from_json(digest, entries)
        _layers.put(found[digest])
    missing = next((d for d in digests if d not in found), None)
    if missing is not None:
        raise RegistryError(f"layer {missing} of a stored image is missing")
    return [found[d] for d in digests]


def _stored(cluster_id: int, digests: Sequence[str], *fields: str) -> Iterator[tuple[Any, ...]]:
    """`fields` of the cluster's stored layers among `digests`, a query per DIGESTS_PER_QUERY."""
    for start in range(0, len(digests), DIGESTS_PER_QUERY):
        chunk = digests[start:start + DIGESTS_PER_QUERY]
        yield from StoredLayer.objects.filter(cluster_id=cluster_id, digest__in=chunk).values_list(*fields)


_BASE: dict[str, Layer] = {}


def _base_layers() -> dict[str, Layer]:
    """The catalog's layers by digest (made once per process, on first need)."""
    if not _BASE:
        _BASE.update(catalog.base_layer_index())
    return _BASE


# --- layers as JSON ---------------------------------------------------------------------------------


def layer_json(current: Layer) -> str:
    return json.dumps({
        "entries": [[e.path, e.type, e.size, e.mode, e.uid, e.gid, e.target, e.content] for e in current.entries],
        "whiteouts": list(current.whiteouts), "opaque": list(current.opaque_dirs), "created_by": current.created_by,
    }, separators=(",", ":"))


def layer_from_json(digest: str, text: str) -> Layer:
    data = json.loads(text)
    return Layer(entries=tuple(FileEntry(*row) for row in data["entries"]), whiteouts=tuple(data["whiteouts"]),
                 opaque_dirs=tuple(data["opaque"]), created_by=data.get("created_by", ""), digest=digest)


# --- the build cache ---------------------------------------------------------------------------------


class DatabaseCache:
    """A cluster's build cache: reads the stored entries; what a build adds is saved with its image."""

    def __init__(self, cluster: str) -> None:
        self.cluster_id = _cluster_id(cluster)
        self.pending: dict[str, Layer] = {}

    def get(self, key: str) -> Layer | None:
        if key in self.pending:
            return self.pending[key]
        digest = BuildCacheEntry.objects.filter(cluster_id=self.cluster_id, key=key).values_list("layer_digest", flat=True).first()
        if digest is None:
            return None
        try:
            return _load_layers(self.cluster_id, [digest])[0]
        except RegistryError:
            return None  # a layer gone with a removed image: build the step again

    def put(self, key: str, produced: Layer) -> None:
        self.pending[key] = produced


def _cluster_id(cluster: str) -> int:
    found = Cluster.objects.filter(name=cluster).values_list("id", flat=True).first()
    if found is None:
        raise RegistryError(f'cluster "{cluster}" not found')
    return found


# --- storing -------------------------------------------------------------------------------------


def build(cluster: str, text: str, *, tag: str, files: Mapping[str, str | bytes] | None = None,
          build_args: Mapping[str, str] | None = None) -> dockerfile.BuildResult:
    """Build a Dockerfile on the cluster and store the image under `tag`; BuildError stores nothing."""
    check_name(tag)
    cache = DatabaseCache(cluster)
    result = dockerfile.build(text, tag=tag, files=files, cache=cache, cluster=cluster, build_args=build_args)
    save(cluster, result.image, dockerfile=text, log=result.log, cache=result.new_cache)
    return result


def check_name(reference: str) -> Reference:
    """A name a cluster's image may take: valid, and not one of the catalog's images."""
    parsed = catalog.parse_reference(reference)
    if parsed is None:
        raise dockerfile.BuildError(f"invalid tag '{reference}': expected NAME[:TAG], lower case, e.g. myapp:1")
    if catalog.catalog_image(parsed.last, parsed.tag) is not None:
        raise dockerfile.BuildError(f"'{reference}' is one of the catalog's images; tag yours differently (e.g. my{parsed.last}:1)")
    return parsed


def save(cluster: str, image: Image, *, dockerfile: str = "", log: Sequence[str] = (), source: str = "build",
         cache: Mapping[str, Layer] | None = None) -> StoredImage:
    """Store the image (replacing one of the same name), its layers not stored yet, and cache entries."""
    cluster_id = _cluster_id(cluster)
    name = f"{image.repository}:{image.tag}" if image.registry == "docker.io" else f"{image.registry}/{image.repository}:{image.tag}"
    parsed = check_name(name)
    base = _base_layers()
    with transaction.atomic():
        own = {current.digest: current for current in image.layers if current.digest not in base}
        own.update({current.digest: current for current in (cache or {}).values() if current.digest not in base})
        have = {digest for digest, in _stored(cluster_id, list(own), "digest")}
        StoredLayer.objects.bulk_create([StoredLayer(cluster_id=cluster_id, digest=d, size=current.size, entries=layer_json(current))
                                         for d, current in own.items() if d not in have])
        for key, current in (cache or {}).items():
            BuildCacheEntry.objects.update_or_create(cluster_id=cluster_id, key=key, defaults={"layer_digest": current.digest})
        row, _ = StoredImage.objects.update_or_create(
            cluster_id=cluster_id, repository=parsed.repository, tag=parsed.tag,
            defaults={"image_id": image.id, "layers": json.dumps([[c.digest, c.created_by] for c in image.layers]),
                      "config": json.dumps(image.config.to_json()),
                      "history": json.dumps([[h.created_by, h.empty_layer] for h in image.history]),
                      "package_manager": image.package_manager, "source": source, "dockerfile": dockerfile,
                      "build_log": "\n".join(log)},
        )
    for current in own.values():
        _layers.put(current)
    return row


def import_image(cluster: str, reference: str, layers: Sequence[Layer], config: Mapping[str, Any] | ImageConfig,
                 *, history: Sequence[History] | None = None) -> Image:
    """Store an image read from a tarball (archive.ImportedImage's layers and config) under `reference`."""
    parsed = check_name(reference)
    image_config = config if isinstance(config, ImageConfig) else ImageConfig.from_json(config)
    image = Image(parsed.repository if parsed.registry == "docker.io" else parsed.path, parsed.tag, tuple(layers),
                  image_config, tuple(history) if history is not None else tuple(History(c.created_by) for c in layers),
                  registry=parsed.registry, built=True)
    save(cluster, image, source="import")
    return image


def remove(cluster: str, reference: str) -> bool:
    """`image rm`: forget the name; layers other images or the cache still use stay."""
    row = stored(cluster, reference)
    if row is None:
        return False
    row.delete()
    return True


def forget(cluster: str) -> None:
    """Drop every image, layer and cache entry of the cluster (`cluster reset`); deleting the
    cluster drops them too (their rows cascade)."""
    cluster_id = _cluster_id(cluster)
    with transaction.atomic():
        for model in (StoredImage, BuildCacheEntry, StoredLayer):
            model.objects.filter(cluster_id=cluster_id).delete()
