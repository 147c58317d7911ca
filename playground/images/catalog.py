"""The images a simulated node can pull: repositories, tags, and their layers with sizes.

kubelet (image pull) → here: whether `nginx:1.27` exists, which layers it is made of, and how
long a node that already holds some of them needs to pull the rest. Layers are shared the way
real images share them (nginx, redis, httpd and python all start from debian:bookworm-slim), so
the second of them on a node pulls less. Sizes are the compressed sizes a registry reports, to
the nearest MB. The layered-images issue replaces this table with the full image model (file
trees, the builder); the kubelet only needs `find` and `pull_seconds`.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

MB = 1_000_000
PULL_BYTES_PER_SECOND = 40 * MB  # a node's download speed
PULL_LATENCY_SECONDS = 0.5  # resolving the manifest before the first byte


@dataclass(frozen=True)
class Layer:
    digest: str
    size: int


@dataclass(frozen=True)
class Image:
    repository: str
    tag: str
    layers: tuple[Layer, ...]

    @property
    def reference(self) -> str:
        return f"{self.repository}:{self.tag}"

    @property
    def size(self) -> int:
        return sum(layer.size for layer in self.layers)

    @property
    def digest(self) -> str:
        return "sha256:" + hashlib.sha256("".join(l.digest for l in self.layers).encode()).hexdigest()


def _layer(name: str, megabytes: float) -> Layer:
    return Layer("sha256:" + hashlib.sha256(name.encode()).hexdigest(), int(megabytes * MB))


DEBIAN = _layer("debian:bookworm-slim", 28.2)
ALPINE = _layer("alpine:3.20", 3.6)
BUSYBOX = _layer("busybox:1.36", 2.2)

# repository → tag → the layers on top of its base
_REPOSITORIES: dict[str, dict[str, tuple[Layer, ...]]] = {
    "nginx": {
        tag: (DEBIAN, _layer(f"nginx:{tag}", 39.5 + i), _layer(f"nginx:{tag}/conf", 0.1))
        for i, tag in enumerate(("1.25", "1.26", "1.27", "1.28"))
    },
    "redis": {tag: (DEBIAN, _layer(f"redis:{tag}", 16.0 + i)) for i, tag in enumerate(("7.2", "7.4"))},
    "httpd": {tag: (DEBIAN, _layer(f"httpd:{tag}", 29.8)) for tag in ("2.4",)},
    "python": {tag: (DEBIAN, _layer(f"python:{tag}", 21.4 + i)) for i, tag in enumerate(("3.11-slim", "3.12-slim", "3.13-slim"))},
    "debian": {"bookworm-slim": (DEBIAN,)},
    "alpine": {tag: (_layer(f"alpine:{tag}", 3.5 + i / 10),) for i, tag in enumerate(("3.19", "3.20"))},
    "busybox": {tag: (_layer(f"busybox:{tag}", 2.1 + i / 10),) for i, tag in enumerate(("1.35", "1.36"))},
    "ubuntu": {tag: (_layer(f"ubuntu:{tag}", 28.6 + i),) for i, tag in enumerate(("22.04", "24.04"))},
    "pause": {"3.10": (_layer("pause:3.10", 0.3),)},
    # What a kind node image carries for the control plane and its add-ons
    "etcd": {"3.5.16-0": (_layer("etcd:3.5.16-0", 57.7),)},
    "kube-apiserver": {"v1.32.0": (_layer("kube-apiserver:v1.32.0", 28.7),)},
    "kube-controller-manager": {"v1.32.0": (_layer("kube-controller-manager:v1.32.0", 26.3),)},
    "kube-scheduler": {"v1.32.0": (_layer("kube-scheduler:v1.32.0", 20.7),)},
    "kube-proxy": {"v1.32.0": (_layer("kube-proxy:v1.32.0", 30.9),)},
    "coredns": {"v1.11.3": (_layer("coredns:v1.11.3", 18.6),)},
    "kindnetd": {"v20241108-5c6d2daf": (_layer("kindnetd:v20241108-5c6d2daf", 38.6),)},
    "local-path-provisioner": {"v20241108-5c6d2daf": (_layer("local-path-provisioner:v20241108-5c6d2daf", 22.5),)},
    "stress": {"1.0": (ALPINE, _layer("stress:1.0", 0.6))},
}
_LATEST = {"nginx": "1.27", "redis": "7.4", "httpd": "2.4", "python": "3.12-slim", "alpine": "3.20",
           "busybox": "1.36", "ubuntu": "24.04", "pause": "3.10", "stress": "1.0", "debian": "bookworm-slim"}
PAUSE_IMAGE = "registry.k8s.io/pause:3.10"
# Loaded into every kind node before the cluster starts: these are never pulled
NODE_IMAGES = (
    PAUSE_IMAGE,
    "registry.k8s.io/etcd:3.5.16-0",
    "registry.k8s.io/kube-apiserver:v1.32.0",
    "registry.k8s.io/kube-controller-manager:v1.32.0",
    "registry.k8s.io/kube-scheduler:v1.32.0",
    "registry.k8s.io/kube-proxy:v1.32.0",
    "registry.k8s.io/coredns/coredns:v1.11.3",
    "docker.io/kindest/kindnetd:v20241108-5c6d2daf",
    "docker.io/kindest/local-path-provisioner:v20241108-5c6d2daf",
)


def find(reference: str) -> Image | None:
    """The image a pod's `image:` names (any registry prefix, `:latest` when untagged), or None."""
    name = reference.split("@", 1)[0]
    path, _, tag = name.rpartition(":") if ":" in name.rsplit("/", 1)[-1] else (name, "", "")
    repository = path.rsplit("/", 1)[-1]
    tags = _REPOSITORIES.get(repository)
    if tags is None:
        return None
    tag = tag or "latest"
    layers = tags.get(_LATEST.get(repository, "") if tag == "latest" else tag)
    return Image(repository, tag, layers) if layers else None


def pull_seconds(image: Image, present_layers: set[str], *, bytes_per_second: int = PULL_BYTES_PER_SECOND) -> float:
    """How long a node holding `present_layers` needs to pull `image`: only the missing bytes."""
    missing = sum(layer.size for layer in image.layers if layer.digest not in present_layers)
    return PULL_LATENCY_SECONDS + missing / bytes_per_second
