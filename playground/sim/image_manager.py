"""The kubelet's image manager: make sure a container's image is on the node before it is created.

The runtime manager (kuberuntime_manager.py) calls `ensure_image_exists` when it starts a
container and `finish_pull` when a pull it began is done; either returns True when the container
can be created now. How long a pull takes comes from the kubelet (`RuntimeHelper.pull_seconds`:
the layers this node lacks over its bandwidth); the images a sync pulled go to node.status.images.

Follows kubernetes/kubernetes pkg/kubelet/images/image_manager.go EnsureImageExists: the pull
policies (Never: ErrImageNeverPull; IfNotPresent: "already present on machine"; Always), the
Pulling / Pulled Events with the time taken and the image size, a failed pull as ErrImagePull
then ImagePullBackOff with back-off (backoff.py), and containerd's names for images
(`nginx:1.27` → `docker.io/library/nginx:1.27`).
"""
from __future__ import annotations

import hashlib

from .backoff import in_pull_backoff, next_pull_backoff
from .pod_sync import RELIST_SECONDS, SYNC_RETRY_SECONDS, PodSync, go_duration
from .records import BACK_OFF, ERR_IMAGE_NEVER_PULL, FAILED, NORMAL, PULLED, PULLING, WARNING, ContainerRecord

PULL_FAILURE_SECONDS = 1.0  # how long a registry takes to answer "not found"
ERR_IMAGE_PULL, IMAGE_PULL_BACK_OFF = "ErrImagePull", "ImagePullBackOff"  # waiting reasons (images/types.go)

# Rough compressed sizes of well-known images, for the Pulled message (bytes)
IMAGE_SIZES = {"nginx": 72_000_000, "busybox": 2_160_000, "alpine": 3_650_000, "redis": 45_000_000,
               "httpd": 58_000_000, "python": 370_000_000, "ubuntu": 29_000_000, "debian": 49_000_000,
               "agnhost": 52_000_000, "pause": 320_000}


def ensure_image_exists(sync: PodSync, record: ContainerRecord, t: float) -> bool:
    """EnsureImageExists: True when the image is here and the container can be created now;
    otherwise the container waits (pull policy Never, pull back-off) or a pull begins."""
    spec = sync.specs[record.name]
    image = spec.get("image", "")
    policy = spec.get("imagePullPolicy") or "IfNotPresent"
    present = image_present(sync, image)
    path = record.field_path
    if policy == "Never" and not present:
        message = f'Container image "{image}" is not present with pull policy of Never'
        # An error of the sync: the pod worker tries again, and finds the image once something put it there
        sync.wait(record, ERR_IMAGE_NEVER_PULL, message, not_before=t + SYNC_RETRY_SECONDS)
        sync.event(WARNING, ERR_IMAGE_NEVER_PULL, message, path, t)
        sync.event(WARNING, FAILED, f"Error: {ERR_IMAGE_NEVER_PULL}", path, t)
        return False
    if policy != "Always" and present:
        sync.event(NORMAL, PULLED, f'Container image "{image}" already present on machine', path, t)
        return True
    if in_pull_backoff(record, t):
        assert record.pull_backoff_updated is not None and record.pull_backoff is not None
        message = f'Back-off pulling image "{image}"'
        sync.wait(record, IMAGE_PULL_BACK_OFF, f"{message}: {ERR_IMAGE_PULL}: {record.pull_error}",
                  not_before=record.pull_backoff_updated + record.pull_backoff)
        sync.event(NORMAL, BACK_OFF, message, path, t)
        sync.event(WARNING, FAILED, f"Error: {IMAGE_PULL_BACK_OFF}", path, t)
        return False
    sync.event(NORMAL, PULLING, f'Pulling image "{image}"', path, t)
    seconds = sync.helper.pull_seconds(image)
    record.phase, record.pull_started = "pulling", t
    record.pull_ok = seconds is not None
    record.pull_ends = t + (seconds if seconds is not None else PULL_FAILURE_SECONDS)
    return False


def finish_pull(sync: PodSync, record: ContainerRecord, t: float) -> bool:
    """The pull begun by `ensure_image_exists` ends at t: True when the image is now on the node."""
    image = sync.specs[record.name].get("image", "")
    path = record.field_path
    started = record.pull_started if record.pull_started is not None else t
    record.pull_ends = None
    if not record.pull_ok:
        reference = normalize_image(image)
        record.pull_error = (f'failed to pull and unpack image "{reference}": failed to resolve reference '
                             f'"{reference}": {reference}: not found')
        sync.event(WARNING, FAILED, f'Failed to pull image "{image}": rpc error: code = NotFound desc = '
                   f"{record.pull_error}", path, t)
        sync.event(WARNING, FAILED, f"Error: {ERR_IMAGE_PULL}", path, t)
        next_pull_backoff(record, t)
        sync.wait(record, ERR_IMAGE_PULL, record.pull_error, not_before=t + RELIST_SECONDS)
        return False
    duration = go_duration(round(t - started, 6))
    size = image_size(sync, image)
    sync.event(NORMAL, PULLED, f'Successfully pulled image "{image}" in {duration} ({duration} including waiting). '
               f"Image size: {size} bytes.", path, t)
    normalized = normalize_image(image)
    if normalized not in sync.state.pulled_images:
        sync.state.pulled_images.append(normalized)
        sync.newly_pulled.append(normalized)
    return True


def image_present(sync: PodSync, image: str) -> bool:
    """Pulled by this pod before, or listed in node.status.images."""
    normalized = normalize_image(image)
    if normalized in sync.state.pulled_images:
        return True
    for entry in sync.node.get("status", {}).get("images") or []:
        if any(normalize_image(name) == normalized for name in entry.get("names") or []):
            return True
    return False


def image_size(sync: PodSync, image: str) -> int:
    size = sync.helper.image_size(image)
    if size is not None:
        return size
    repository = image.split("@", 1)[0].rsplit("/", 1)[-1].split(":", 1)[0]
    if repository in IMAGE_SIZES:
        return IMAGE_SIZES[repository]
    return 10_000_000 + int(hashlib.sha256(image.encode()).hexdigest()[:6], 16) * 4


def normalize_image(image: str) -> str:
    """What containerd reports: `nginx:1.27` → `docker.io/library/nginx:1.27`."""
    name, digest = (image.split("@", 1) + [""])[:2]
    first, _, rest = name.partition("/")
    if not rest or ("." not in first and ":" not in first and first != "localhost"):
        name = f"docker.io/{name}" if rest else f"docker.io/library/{name}"
    last = name.rsplit("/", 1)[-1]
    if ":" not in last and not digest:
        name += ":latest"
    return f"{name}@{digest}" if digest else name


def image_id(image: str) -> str:
    """The imageID the runtime reports for a container: the repository with a digest."""
    normalized = normalize_image(image)
    repository = normalized.split("@", 1)[0]
    if ":" in repository.rsplit("/", 1)[-1]:
        repository = repository.rsplit(":", 1)[0]
    return f"{repository}@sha256:{hashlib.sha256(normalized.encode()).hexdigest()}"
