"""The images a simulated node can pull: repositories, tags, their layers and their config.

kubelet (image pull) / programs (what a container runs) / builder (FROM) → here: whether
`nginx:1.27` exists, which layers it is made of (bases.py generates their files), what its
config says (ENTRYPOINT, CMD, ENV, WORKDIR, USER, EXPOSE, labels: the one place the playground
knows an image's defaults), and how long a node that holds some of its layers needs to pull the
rest. Layers are shared the way the official images share them (nginx, redis, httpd and python
all start from debian:bookworm-slim's one layer), so the second of them on a node pulls less.

`find(reference, cluster=...)` also finds the images built or imported on that cluster: it asks
the lookup registry.py hands over when the app starts (`answer_for_clusters`), as registry.py
stores images with Django above this module, which imports nothing but bases and layers;
without a cluster only this catalog answers. Sizes: `Layer.size` is what the
files weigh unpacked (`docker images` SIZE); a registry sends each layer gzipped, about
`COMPRESSION` of that, which is what a pull downloads and what the kubelet reports
(node.status.images sizeBytes, the Pulled event's "Image size").
"""
from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from . import bases
from .layers import FileEntry, Layer, directory, file, layer, symlink

MB = 1_000_000
PULL_BYTES_PER_SECOND = 40 * MB  # a node's download speed unless its annotation says otherwise
PULL_LATENCY_SECONDS = 0.5  # resolving the manifest before the first byte
COMPRESSION = 0.4  # gzip on a typical root filesystem layer
PULL_BANDWIDTH_ANNOTATION = "playground.k8s.io/pull-bandwidth"
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


# --- the image config (docker inspect's .Config) --------------------------------------------------


@dataclass(frozen=True)
class ImageConfig:
    entrypoint: tuple[str, ...] = ()
    cmd: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()  # in order, as `ENV` set them
    workdir: str = ""
    user: str = ""
    exposed_ports: tuple[str, ...] = ()  # "80/tcp"
    labels: tuple[tuple[str, str], ...] = ()
    stop_signal: str = ""
    volumes: tuple[str, ...] = ()

    def with_env(self, values: Mapping[str, str]) -> ImageConfig:
        env = dict(self.env)
        env.update(values)
        return replace(self, env=tuple(env.items()))

    def with_labels(self, values: Mapping[str, str]) -> ImageConfig:
        labels = dict(self.labels)
        labels.update(values)
        return replace(self, labels=tuple(labels.items()))

    def with_ports(self, ports: Sequence[str]) -> ImageConfig:
        exposed = list(self.exposed_ports) + [p if "/" in p else f"{p}/tcp" for p in ports]
        return replace(self, exposed_ports=tuple(dict.fromkeys(exposed)))

    @property
    def environment(self) -> dict[str, str]:
        return dict(self.env)

    def defaults(self) -> dict[str, Any]:
        """What the kubelet's programs need: ENTRYPOINT, CMD and the TCP ports (programs.ImageDefaults)."""
        ports = [int(p.split("/")[0]) for p in self.exposed_ports if p.endswith("/tcp") and p.split("/")[0].isdigit()]
        result: dict[str, Any] = {}
        if self.entrypoint:
            result["entrypoint"] = list(self.entrypoint)
        if self.cmd:
            result["cmd"] = list(self.cmd)
        if ports:
            result["ports"] = ports
        return result

    def to_json(self) -> dict[str, Any]:
        """As `docker inspect` shows .Config (and the OCI config's `config`)."""
        return {
            "User": self.user, "ExposedPorts": {p: {} for p in self.exposed_ports} or None,
            "Env": [f"{k}={v}" for k, v in self.env], "Entrypoint": list(self.entrypoint) or None,
            "Cmd": list(self.cmd) or None, "Volumes": {v: {} for v in self.volumes} or None,
            "WorkingDir": self.workdir, "Labels": dict(self.labels) or None, "StopSignal": self.stop_signal or None,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> ImageConfig:
        """From docker's / OCI's config section (an imported image's, or `to_json`'s)."""
        data = data or {}
        env = [str(item).partition("=") for item in data.get("Env") or []]
        return cls(
            entrypoint=tuple(data.get("Entrypoint") or ()), cmd=tuple(data.get("Cmd") or ()),
            env=tuple((k, v) for k, _, v in env), workdir=str(data.get("WorkingDir") or ""),
            user=str(data.get("User") or ""), exposed_ports=tuple(data.get("ExposedPorts") or ()),
            labels=tuple((str(k), str(v)) for k, v in (data.get("Labels") or {}).items()),
            stop_signal=str(data.get("StopSignal") or ""), volumes=tuple(data.get("Volumes") or ()),
        )


@dataclass(frozen=True)
class History:
    """One line of `docker history`: the instruction, and whether it made a layer."""

    created_by: str
    empty_layer: bool = False


@dataclass(frozen=True)
class Image:
    repository: str  # "nginx", "playground/crasher", "myapp"
    tag: str
    layers: tuple[Layer, ...]
    config: ImageConfig = field(default_factory=ImageConfig)
    history: tuple[History, ...] = ()
    registry: str = "docker.io"
    package_manager: str = ""  # "apt" | "apk" | "": what RUN can install with
    built: bool = False  # built or imported on a cluster, not from the catalog

    @property
    def reference(self) -> str:
        return f"{self.repository}:{self.tag}"

    @property
    def name(self) -> str:
        """The fully qualified name containerd reports: docker.io/library/nginx:1.27."""
        path = self.repository if "/" in self.repository or self.registry != "docker.io" else f"library/{self.repository}"
        return f"{self.registry}/{path}:{self.tag}" if self.registry else f"{path}:{self.tag}"

    @property
    def size(self) -> int:
        """The bytes a pull downloads (compressed layers), as the kubelet reports the image size."""
        return sum(compressed_size(current) for current in self.layers)

    @property
    def unpacked_size(self) -> int:
        """What the layers weigh on disk (`docker images` SIZE); deleting files never lowers it."""
        return sum(current.size for current in self.layers)

    @property
    def id(self) -> str:
        """The config digest (`docker images` IMAGE ID)."""
        data = {"config": self.config.to_json(), "rootfs": [current.digest for current in self.layers],
                "history": [h.created_by for h in self.history]}
        return "sha256:" + hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()

    @property
    def digest(self) -> str:
        """The manifest digest (what `image@sha256:...` names)."""
        text = self.id + "".join(current.digest for current in self.layers)
        return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def compressed_size(current: Layer) -> int:
    return round(current.size * COMPRESSION)


def human_size(size: int) -> str:
    """As docker prints sizes (go-units HumanSizeWithPrecision, 3 digits): 74.8MB, 4.26MB, 0B."""
    value = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000:
            return f"{value:.3g}{unit}"
        value /= 1000
    return f"{value:.3g}TB"


# --- assembling an image from its Dockerfile's steps ---------------------------------------------

Step = tuple[str, "Layer | Callable[[ImageConfig], ImageConfig]"]


def assemble(repository: str, tag: str, steps: Sequence[Step], *, base: Image | None = None, registry: str = "docker.io",
             package_manager: str | None = None) -> Image:
    """An image from its base and its steps: a Layer step adds a layer, a function changes the config."""
    layers = list(base.layers) if base else []
    history = list(base.history) if base else []
    config = base.config if base else ImageConfig()
    for created_by, change in steps:
        if isinstance(change, Layer):
            layers.append(change if change.created_by == created_by else replace(change, created_by=created_by))
            history.append(History(created_by))
        else:
            config = change(config)
            history.append(History(created_by, empty_layer=True))
    manager = package_manager if package_manager is not None else (base.package_manager if base else "")
    return Image(repository, tag, tuple(layers), config, tuple(history), registry, manager)


def _env(**values: str) -> Callable[[ImageConfig], ImageConfig]:
    return lambda config: config.with_env(values)


def _set(**values: Any) -> Callable[[ImageConfig], ImageConfig]:
    return lambda config: replace(config, **values)


def _expose(*ports: str) -> Callable[[ImageConfig], ImageConfig]:
    return lambda config: config.with_ports(ports)


def _label(**values: str) -> Callable[[ImageConfig], ImageConfig]:
    return lambda config: config.with_labels(values)


def _rootfs_layer(entries: Sequence[FileEntry], created_by: str) -> Layer:
    return layer(entries, created_by=created_by)


# --- the repositories ------------------------------------------------------------------------------


@functools.cache
def debian(codename: str) -> Image:
    rootfs = _rootfs_layer(bases.debian_rootfs(codename, target={"bullseye": 80_600_000, "bookworm": 74_800_000,
                                                                  "trixie": 78_600_000}[codename]),
                           f"# debian.sh --arch 'amd64' out/ '{codename}' '@1732492800'")
    return assemble("debian", f"{codename}-slim", [
        (rootfs.created_by, rootfs),
        ('CMD ["bash"]', _set(cmd=("bash",), env=(("PATH", DEFAULT_PATH),))),
    ], package_manager="apt")


@functools.cache
def ubuntu(version: str) -> Image:
    rootfs = _rootfs_layer(bases.ubuntu_rootfs(version), "ADD file:ubuntu-base-rootfs.tar.gz in /")
    return assemble("ubuntu", version, [
        ("ARG RELEASE", _set()), ("ARG LAUNCHPAD_BUILD_ARCH", _set()),
        ("LABEL org.opencontainers.image.ref.name=ubuntu",
         _label(**{"org.opencontainers.image.ref.name": "ubuntu", "org.opencontainers.image.version": version})),
        (rootfs.created_by, rootfs),
        ('CMD ["/bin/bash"]', _set(cmd=("/bin/bash",), env=(("PATH", DEFAULT_PATH),))),
    ], package_manager="apt")


@functools.cache
def alpine(version: str) -> Image:
    rootfs = _rootfs_layer(bases.alpine_rootfs(version), f"ADD alpine-minirootfs-{bases.ALPINE[version][0]}-x86_64.tar.gz /")
    return assemble("alpine", version, [
        (rootfs.created_by, rootfs),
        ('CMD ["/bin/sh"]', _set(cmd=("/bin/sh",), env=(("PATH", DEFAULT_PATH),))),
    ], package_manager="apk")


@functools.cache
def busybox(version: str) -> Image:
    rootfs = _rootfs_layer(bases.busybox_rootfs(version), "ADD busybox.tar.xz / # buildkit")
    return assemble("busybox", version, [
        (rootfs.created_by, rootfs),
        ('CMD ["sh"]', _set(cmd=("sh",), env=(("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"),))),
    ])


@functools.cache
def python(minor: str) -> Image:
    version = bases.PYTHON[minor][0]
    return assemble("python", f"{minor}-slim", [
        ("ENV PATH=/usr/local/bin:" + DEFAULT_PATH, _env(PATH="/usr/local/bin:" + DEFAULT_PATH)),
        ("ENV LANG=C.UTF-8", _env(LANG="C.UTF-8")),
        ("RUN /bin/sh -c set -eux; apt-get update; apt-get install -y --no-install-recommends ca-certificates "
         "netbase tzdata; rm -rf /var/lib/apt/lists/*", layer(bases.python_runtime_deps())),
        ("ENV GPG_KEY=7169605F62C751356D054A26A821E680E5FA6305", _env(GPG_KEY="7169605F62C751356D054A26A821E680E5FA6305")),
        (f"ENV PYTHON_VERSION={version}", _env(PYTHON_VERSION=version)),
        ("RUN /bin/sh -c set -eux; savedAptMark=\"$(apt-mark showmanual)\"; apt-get update; ... ./configure; make; "
         "make install; ... apt-get purge -y --auto-remove; rm -rf /var/lib/apt/lists/*; python3 --version",
         layer(bases.python_install(minor))),
        ("RUN /bin/sh -c set -eux; for src in idle3 pip3 pydoc3 python3 python3-config; do ... ln -svT ...; done",
         layer(bases.python_links(minor))),
        ('CMD ["python3"]', _set(cmd=("python3",))),
    ], base=debian("bookworm"))


NGINX = {"1.25": ("1.25.5", "0.8.4"), "1.26": ("1.26.2", "0.8.7"), "1.27": ("1.27.3", "0.8.8"), "1.28": ("1.28.0", "0.8.10")}


@functools.cache
def nginx(minor: str) -> Image:
    version, njs = NGINX[minor]
    scripts = [file(path, size, mode=0o775) for path, size in bases.NGINX_ENTRYPOINT_SCRIPTS.items()]
    return assemble("nginx", minor, [
        ("LABEL maintainer=NGINX Docker Maintainers <docker-maint@nginx.com>",
         _label(maintainer="NGINX Docker Maintainers <docker-maint@nginx.com>")),
        (f"ENV NGINX_VERSION={version}", _env(NGINX_VERSION=version)),
        (f"ENV NJS_VERSION={njs}", _env(NJS_VERSION=njs)),
        ("ENV PKG_RELEASE=1~bookworm", _env(PKG_RELEASE="1~bookworm")),
        ("RUN /bin/sh -c set -x && groupadd --system --gid 101 nginx && useradd --system --gid nginx ... && "
         "apt-get update && apt-get install --no-install-recommends -y nginx=${NGINX_VERSION}-${PKG_RELEASE} ... && "
         "rm -rf /var/lib/apt/lists/* && ln -sf /dev/stdout /var/log/nginx/access.log",
         layer(bases.nginx_install(minor, target=115_500_000 + 900_000 * list(NGINX).index(minor)))),
        ("COPY docker-entrypoint.sh / # buildkit", layer(scripts[:1])),
        ("COPY 10-listen-on-ipv6-by-default.sh /docker-entrypoint.d # buildkit", layer(scripts[1:2])),
        ("COPY 15-local-resolvers.envsh /docker-entrypoint.d # buildkit", layer(scripts[2:3])),
        ("COPY 20-envsubst-on-templates.sh /docker-entrypoint.d # buildkit", layer(scripts[3:4])),
        ("COPY 30-tune-worker-processes.sh /docker-entrypoint.d # buildkit", layer(scripts[4:5])),
        ('ENTRYPOINT ["/docker-entrypoint.sh"]', _set(entrypoint=("/docker-entrypoint.sh",))),
        ("EXPOSE map[80/tcp:{}]", _expose("80/tcp")),
        ("STOPSIGNAL SIGQUIT", _set(stop_signal="SIGQUIT")),
        ('CMD ["nginx" "-g" "daemon off;"]', _set(cmd=("nginx", "-g", "daemon off;"))),
    ], base=debian("bookworm"))


@functools.cache
def nginx_alpine(minor: str) -> Image:
    version, njs = NGINX[minor]
    files = [file("/etc/nginx/nginx.conf", content=bases.NGINX_CONF),
             file("/etc/nginx/conf.d/default.conf", content=bases.NGINX_DEFAULT),
             file("/usr/share/nginx/html/index.html", content=bases.NGINX_INDEX),
             file("/usr/sbin/nginx", 1_390_000, mode=0o755), symlink("/var/log/nginx/access.log", "/dev/stdout"),
             symlink("/var/log/nginx/error.log", "/dev/stderr"),
             *bases.spread("/usr/lib/nginx/modules", ["ngx_http_js_module.so", "ngx_stream_js_module.so"], 3_600_000),
             *bases.spread("/usr/lib", ["libpcre2-8.so.0", "libxml2.so.2", "libxslt.so.1"], 2_900_000)]
    scripts = [file(path, size, mode=0o775) for path, size in bases.NGINX_ENTRYPOINT_SCRIPTS.items()]
    return assemble("nginx", f"{minor}-alpine", [
        (f"ENV NGINX_VERSION={version}", _env(NGINX_VERSION=version, NJS_VERSION=njs, PKG_RELEASE="1")),
        ("RUN /bin/sh -c set -x && addgroup -g 101 -S nginx && adduser -S -D -H -u 101 nginx && apk add --no-cache "
         "nginx=${NGINX_VERSION}-r${PKG_RELEASE} ...", layer(files)),
        ("COPY docker-entrypoint.sh / # buildkit", layer(scripts[:1])),
        ("COPY docker-entrypoint.d/ /docker-entrypoint.d # buildkit", layer(scripts[1:])),
        ('ENTRYPOINT ["/docker-entrypoint.sh"]', _set(entrypoint=("/docker-entrypoint.sh",))),
        ("EXPOSE map[80/tcp:{}]", _expose("80/tcp")),
        ("STOPSIGNAL SIGQUIT", _set(stop_signal="SIGQUIT")),
        ('CMD ["nginx" "-g" "daemon off;"]', _set(cmd=("nginx", "-g", "daemon off;"))),
    ], base=alpine("3.20"))


REDIS = {"7.2": "7.2.6", "7.4": "7.4.1"}


@functools.cache
def redis(minor: str) -> Image:
    version = REDIS[minor]
    users = [file("/etc/passwd", content=bases.PASSWD + "redis:x:999:999::/home/redis:/bin/sh\n"),
             file("/etc/group", content=bases.GROUP + "redis:x:999:\n"), file("/etc/shadow", 530, mode=0o640, gid=42),
             file("/etc/gshadow", 436, mode=0o640, gid=42), directory("/home/redis", uid=999, gid=999)]
    entrypoint = file("/usr/local/bin/docker-entrypoint.sh", 1_437, mode=0o775)
    return assemble("redis", minor, [
        ("RUN /bin/sh -c set -eux; groupadd -r -g 999 redis; useradd -r -g redis -u 999 redis", layer(users)),
        ("RUN /bin/sh -c set -eux; apt-get update; apt-get install -y --no-install-recommends tzdata; "
         "rm -rf /var/lib/apt/lists/*", layer(bases.tzdata_files())),
        ("ENV GOSU_VERSION=1.17", _env(GOSU_VERSION="1.17")),
        (f"ENV REDIS_VERSION={version}", _env(REDIS_VERSION=version)),
        ("RUN /bin/sh -c set -eux; ... make -C /usr/src/redis -j \"$(nproc)\" all; make -C /usr/src/redis install; "
         "rm -r /usr/src/redis; apt-mark auto '.*' > /dev/null; apt-get purge -y --auto-remove", layer(bases.redis_install(minor))),
        ("RUN /bin/sh -c mkdir /data && chown redis:redis /data", layer([directory("/data", uid=999, gid=999)])),
        ("VOLUME [/data]", _set(volumes=("/data",))),
        ("WORKDIR /data", _set(workdir="/data")),
        ("COPY docker-entrypoint.sh /usr/local/bin/ # buildkit", layer([entrypoint])),
        ('ENTRYPOINT ["docker-entrypoint.sh"]', _set(entrypoint=("docker-entrypoint.sh",))),
        ("EXPOSE map[6379/tcp:{}]", _expose("6379/tcp")),
        ('CMD ["redis-server"]', _set(cmd=("redis-server",))),
    ], base=debian("bookworm"))


HTTPD = {"2.4.62": "2.4.62", "2.4.63": "2.4.63"}


@functools.cache
def httpd(version: str) -> Image:
    prefix = "/usr/local/apache2"
    return assemble("httpd", version, [
        (f"ENV HTTPD_PREFIX={prefix}", _env(HTTPD_PREFIX=prefix)),
        (f"ENV PATH={prefix}/bin:{DEFAULT_PATH}", _env(PATH=f"{prefix}/bin:{DEFAULT_PATH}")),
        ("RUN /bin/sh -c mkdir -p \"$HTTPD_PREFIX\" && chown www-data:www-data \"$HTTPD_PREFIX\"",
         layer([directory(prefix, uid=33, gid=33)])),
        (f"WORKDIR {prefix}", _set(workdir=prefix)),
        (f"ENV HTTPD_VERSION={version}", _env(HTTPD_VERSION=version)),
        ("RUN /bin/sh -c set -eux; ... ./configure; make -j \"$(nproc)\"; make install; ... "
         "rm -rf /var/lib/apt/lists/*", layer(bases.httpd_install(version))),
        ("STOPSIGNAL SIGWINCH", _set(stop_signal="SIGWINCH")),
        ("EXPOSE map[80/tcp:{}]", _expose("80/tcp")),
        ('CMD ["httpd-foreground"]', _set(cmd=("httpd-foreground",))),
    ], base=debian("bookworm"))


CRASHER = {
    "1.0": "echo starting crasher 1.0; sleep 3; echo 'panic: runtime error: invalid memory address or nil pointer "
           "dereference'; exit 2",
    "2.0": "echo starting crasher 2.0; sleep 10; echo 'fatal: cannot open /etc/crasher/config.yaml: "
           "no such file or directory'; exit 1",
}


@functools.cache
def crasher(tag: str) -> Image:
    """playground/crasher: an image that starts, logs, and crashes, to watch CrashLoopBackOff."""
    app = file("/usr/local/bin/crasher", content=f"#!/bin/sh\n{CRASHER[tag]}\n", mode=0o755)
    return assemble("playground/crasher", tag, [
        ("COPY crasher /usr/local/bin/crasher # buildkit", layer([app])),
        ('CMD ["/bin/sh" "-c" "..."]', _set(cmd=("sh", "-c", CRASHER[tag]))),
        (f"LABEL org.opencontainers.image.version={tag}", _label(**{"org.opencontainers.image.version": tag})),
    ], base=busybox("1.36"))


@functools.cache
def stress(tag: str) -> Image:
    tool = file("/usr/bin/stress", 38_000, mode=0o755)
    return assemble("stress", tag, [("RUN /bin/sh -c apk add --no-cache stress-ng", layer([tool])),
                                    ('ENTRYPOINT ["stress"]', _set(entrypoint=("stress",)))], base=alpine("3.20"))


@dataclass(frozen=True)
class Binary:
    """A distroless image: one static binary (size as the registry reports it, compressed)."""

    registry: str
    repository: str
    binary: str
    compressed_megabytes: float
    config: dict[str, Any] = field(default_factory=dict)


BINARIES: dict[str, dict[str, Binary]] = {
    "pause": {tag: Binary("registry.k8s.io", "pause", "/pause", 0.3, {"entrypoint": ("/pause",), "user": "65535:65535"})
              for tag in ("3.9", "3.10")},
    "etcd": {"3.5.16-0": Binary("registry.k8s.io", "etcd", "/usr/local/bin/etcd", 57.7)},
    "kube-apiserver": {"v1.32.0": Binary("registry.k8s.io", "kube-apiserver", "/usr/local/bin/kube-apiserver", 28.7)},
    "kube-controller-manager": {"v1.32.0": Binary("registry.k8s.io", "kube-controller-manager",
                                                  "/usr/local/bin/kube-controller-manager", 26.3)},
    "kube-scheduler": {"v1.32.0": Binary("registry.k8s.io", "kube-scheduler", "/usr/local/bin/kube-scheduler", 20.7)},
    "kube-proxy": {"v1.32.0": Binary("registry.k8s.io", "kube-proxy", "/usr/local/bin/kube-proxy", 30.9)},
    "coredns": {"v1.11.3": Binary("registry.k8s.io", "coredns/coredns", "/coredns", 18.6,
                                  {"entrypoint": ("/coredns",), "exposed_ports": ("53/tcp", "53/udp")})},
    "kindnetd": {"v20241108-5c6d2daf": Binary("docker.io", "kindest/kindnetd", "/bin/kindnetd", 38.6)},
    "local-path-provisioner": {"v20241108-5c6d2daf": Binary("docker.io", "kindest/local-path-provisioner",
                                                            "/usr/local/bin/local-path-provisioner", 22.5)},
    "agnhost": {tag: Binary("registry.k8s.io", "e2e-test-images/agnhost", "/agnhost", 50.6,
                            {"entrypoint": ("/agnhost",), "cmd": ("pause",)}) for tag in ("2.40", "2.52", "2.53")},
    "goproxy": {"0.1": Binary("registry.k8s.io", "goproxy", "/goproxy", 2.5, {"cmd": ("/goproxy",), "exposed_ports": ("8080/tcp",)})},
    "http-echo": {tag: Binary("docker.io", "hashicorp/http-echo", "/http-echo", 3.4,
                              {"entrypoint": ("/http-echo",), "exposed_ports": ("5678/tcp",)}) for tag in ("0.2.3", "1.0")},
}


@functools.cache
def binary_image(repository: str, tag: str) -> Image:
    spec = BINARIES[repository][tag]
    size = int(spec.compressed_megabytes * MB / COMPRESSION)
    rootfs = layer(bases.binary_rootfs(spec.binary, max(0, size - 220_000)), created_by=f"COPY {spec.binary.rsplit('/', 1)[-1]} "
                                                                                     f"{spec.binary} # buildkit")
    return assemble(spec.repository, tag, [(rootfs.created_by, rootfs)] + [
        (f"{key.upper()} {value}", _set(**{key: value})) for key, value in spec.config.items()
    ], registry=spec.registry)


# repository (last path component) → tag → how to make it; aliases point at another tag
_REPOSITORIES: dict[str, dict[str, Callable[[], Image]]] = {
    "debian": {f"{c}-slim": functools.partial(debian, c) for c in ("bullseye", "bookworm", "trixie")},
    "ubuntu": {v: functools.partial(ubuntu, v) for v in bases.UBUNTU},
    "alpine": {v: functools.partial(alpine, v) for v in bases.ALPINE},
    "busybox": {v: functools.partial(busybox, v) for v in bases.BUSYBOX},
    "python": {f"{m}-slim": functools.partial(python, m) for m in bases.PYTHON},
    "nginx": {**{m: functools.partial(nginx, m) for m in NGINX},
              **{f"{m}-alpine": functools.partial(nginx_alpine, m) for m in ("1.26", "1.27")}},
    "redis": {m: functools.partial(redis, m) for m in REDIS},
    "httpd": {v: functools.partial(httpd, v) for v in HTTPD},
    "crasher": {t: functools.partial(crasher, t) for t in CRASHER},
    "stress": {"1.0": functools.partial(stress, "1.0")},
    **{name: {t: functools.partial(binary_image, name, t) for t in tags} for name, tags in BINARIES.items()},
}
_ALIASES: dict[str, dict[str, str]] = {
    "debian": {"latest": "bookworm-slim", "bookworm": "bookworm-slim", "12-slim": "bookworm-slim", "12": "bookworm-slim",
               "11-slim": "bullseye-slim", "bullseye": "bullseye-slim", "13-slim": "trixie-slim", "stable-slim": "bookworm-slim"},
    "ubuntu": {"latest": "24.04", "noble": "24.04", "jammy": "22.04"},
    "alpine": {"latest": "3.20", "3": "3.21"},
    "busybox": {"latest": "1.36", "stable": "1.36", "musl": "1.36", "glibc": "1.36"},
    "python": {"latest": "3.12-slim", "3.12": "3.12-slim", "3.11": "3.11-slim", "3.13": "3.13-slim", "3": "3.13-slim",
               "slim": "3.13-slim", "3.12-slim-bookworm": "3.12-slim", "3.13-slim-bookworm": "3.13-slim"},
    "nginx": {"latest": "1.27", "mainline": "1.27", "stable": "1.26", "alpine": "1.27-alpine", "stable-alpine": "1.26-alpine",
              **{v: m for m, (v, _) in NGINX.items()}},
    "redis": {"latest": "7.4", "7": "7.4", **{v: m for m, v in REDIS.items()}},
    "httpd": {"latest": "2.4.63", "2.4": "2.4.63", "2": "2.4.63"},
    "crasher": {"latest": "1.0"},
    "stress": {"latest": "1.0"},
    "pause": {"latest": "3.10"},
    "agnhost": {"latest": "2.53"},
    "http-echo": {"latest": "1.0"},
}
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
# What the images page offers to start from
BASE_IMAGES = ("busybox", "alpine", "debian", "ubuntu", "python", "nginx", "redis", "httpd", "crasher")


# --- references ------------------------------------------------------------------------------------

_REFERENCE = re.compile(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*"
                        r"(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[0-9a-f]{64})?$")


@dataclass(frozen=True)
class Reference:
    registry: str  # "docker.io", "registry.k8s.io", "localhost:5000"
    path: str  # "library/nginx", "kindest/kindnetd"
    tag: str  # "latest" when the reference has none
    digest: str = ""

    @property
    def repository(self) -> str:
        """The name without registry, as `docker images` shows it: nginx, playground/crasher."""
        if self.registry == "docker.io":
            return self.path.removeprefix("library/")
        return f"{self.registry}/{self.path}"

    @property
    def last(self) -> str:
        return self.path.rsplit("/", 1)[-1]


def parse_reference(reference: str) -> Reference | None:
    """`nginx` → docker.io/library/nginx:latest, as docker's reference.ParseNormalizedNamed does; None if invalid."""
    reference = reference.strip()
    if not reference or not _REFERENCE.match(reference):
        return None
    name, _, digest = reference.partition("@")
    first, slash, rest = name.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"):
        registry, name = first, rest
    else:
        registry = "docker.io"
    path, colon, tag = name.rpartition(":") if ":" in name.rsplit("/", 1)[-1] else (name, "", "")
    if registry == "docker.io" and "/" not in path:
        path = f"library/{path}"
    return Reference(registry, path, tag or "latest", digest)


def find(reference: str, *, cluster: str | None = None) -> Image | None:
    """The image a pod's `image:` or a FROM names, or None: the catalog's (any registry prefix,
    `:latest` when untagged, by the repository's last path component), else with a cluster the
    images built or imported there (by their full name; they may not take a catalog name, so
    the catalog answers the kubelet's usual lookups without a query)."""
    parsed = parse_reference(reference)
    if parsed is None:
        return None
    found = catalog_image(parsed.last, parsed.tag)
    if found is None and cluster is not None and _cluster_images is not None:
        found = _cluster_images(cluster, parsed)
    return found


ClusterImages = Callable[[str, Reference], Image | None]
_cluster_images: ClusterImages | None = None  # registry.find_built, once the images app is ready


def answer_for_clusters(lookup: ClusterImages) -> None:
    """Let `find(..., cluster=...)` ask `lookup` for the images built or imported on a cluster
    (registry.find_built; the images app hands it over when Django starts)."""
    global _cluster_images
    _cluster_images = lookup


def repository_name(reference: str) -> str:
    """`nginx:1.27` → docker.io/library/nginx (what node.status.images puts before @sha256:...)."""
    parsed = parse_reference(reference)
    return f"{parsed.registry}/{parsed.path}" if parsed else reference.split("@", 1)[0].rsplit(":", 1)[0]


def catalog_image(repository: str, tag: str) -> Image | None:
    tags = _REPOSITORIES.get(repository)
    if tags is None:
        return None
    make = tags.get(_ALIASES.get(repository, {}).get(tag, tag))
    if make is None:
        return None
    image = make()
    return image if image.tag == tag else replace(image, tag=tag)


def tags(repository: str) -> list[str]:
    """A catalog repository's tags, oldest first, then its aliases (latest, stable, ...)."""
    return list(_REPOSITORIES.get(repository, {})) + list(_ALIASES.get(repository, {}))


def repositories() -> list[str]:
    return list(_REPOSITORIES)


def config_for(reference: str, *, cluster: str | None = None) -> ImageConfig | None:
    """The config of the image a reference names; for a tag the catalog lacks, its repository's
    latest config (what the program would run if the pull worked); None for unknown images."""
    image = find(reference, cluster=cluster)
    if image is not None:
        return image.config
    parsed = parse_reference(reference)
    if parsed is None or parsed.last not in _REPOSITORIES:
        return None
    latest = catalog_image(parsed.last, "latest") or catalog_image(parsed.last, next(iter(_REPOSITORIES[parsed.last])))
    return latest.config if latest else None


# --- pulls ----------------------------------------------------------------------------------------


def pull_seconds(image: Image, present_layers: set[str], *, bytes_per_second: int = PULL_BYTES_PER_SECOND) -> float:
    """How long a node holding `present_layers` needs to pull `image`: only the missing bytes."""
    return PULL_LATENCY_SECONDS + missing_bytes(image, present_layers) / bytes_per_second


def missing_bytes(image: Image, present_layers: set[str]) -> int:
    """The compressed bytes of the layers a node lacks (each distinct layer once)."""
    missing = {current.digest: compressed_size(current) for current in image.layers if current.digest not in present_layers}
    return sum(missing.values())


def node_pull_bandwidth(node: Mapping[str, Any]) -> int:
    """A node's download speed in bytes/s: its `playground.k8s.io/pull-bandwidth` annotation
    (a quantity: `20M`, `100Mi`, `500k`), else PULL_BYTES_PER_SECOND."""
    text = ((node.get("metadata") or {}).get("annotations") or {}).get(PULL_BANDWIDTH_ANNOTATION)
    value = parse_bandwidth(text) if text else None
    return value if value else PULL_BYTES_PER_SECOND


_SUFFIXES = {"": 1, "k": 10**3, "K": 10**3, "M": 10**6, "G": 10**9, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30}


def parse_bandwidth(text: str) -> int | None:
    """`20M` → 20,000,000 bytes/s; None when it is not a positive quantity."""
    match = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*(Ki|Mi|Gi|k|K|M|G|)(?:B?(?:/s)?)?\s*", str(text))
    if not match:
        return None
    value = int(float(match.group(1)) * _SUFFIXES[match.group(2)])
    return value if value > 0 else None


def layers_on_node(node: Mapping[str, Any], *, cluster: str | None = None) -> set[str]:
    """The layer digests a node holds: every layer of every image in node.status.images."""
    return {
        current.digest
        for entry in (node.get("status") or {}).get("images") or []
        for name in entry.get("names") or []
        if "@" not in name and (held := find(name, cluster=cluster)) is not None
        for current in held.layers
    }


def all_images() -> Iterator[Image]:
    """Every image the catalog holds (not the aliases), generating their trees."""
    for tags_ in _REPOSITORIES.values():
        for make in tags_.values():
            yield make()


def base_layer_index() -> dict[str, Layer]:
    """digest → Layer over the catalog (to rebuild a stored image from its digests)."""
    return {current.digest: current for image in all_images() for current in image.layers}

