"""`python manage.py image build|ls|history|inspect|tree|dive|rm`: a cluster's images, as docker shows them.

image build → playground.images.registry.build (the Dockerfile builder, the cluster's build
cache, stored for the cluster so its pods can run `image: myapp:1`); ls, history, inspect, tree
and dive read the cluster's images and the catalog (playground.images.catalog) through
`catalog.find(name, cluster=...)`. Output follows `docker build` (BuildKit's plain progress),
`docker images`, `docker history`, `docker inspect`; `tree` lists the union view of the layers
(which layer each file comes from), `dive` the wasted bytes and efficiency score as dive does.
A failed build names the line and stores nothing.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from playground.images import catalog, dockerfile, layers, registry
from playground.images.catalog import Image, human_size

MAX_CONTEXT_FILES = 500
MAX_CONTEXT_BYTES = 1_000_000


class Command(BaseCommand):
    help = "Build and look at images: `image build -f Dockerfile -t myapp:1`, `image ls`, `image history nginx`."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cluster", default="default", help="the cluster (sandbox) whose images to use")
        verbs = parser.add_subparsers(dest="verb", required=True)
        build = verbs.add_parser("build", help="build a Dockerfile into an image of the cluster")
        build.add_argument("context", nargs="?", help="a folder whose files COPY can use")
        build.add_argument("-f", "--dockerfile", dest="dockerfile", default=None,
                           help="the Dockerfile (default: CONTEXT/Dockerfile)")
        build.add_argument("-t", "--tag", required=True, help="NAME[:TAG] of the image")
        build.add_argument("--file", "--context-file", dest="files", action="append", default=[], metavar="PATH=LOCALFILE",
                           help="one file of the build context: its path for COPY and the local file to read "
                                "(without '=': the Dockerfile, as docker's --file)")
        build.add_argument("--build-arg", dest="build_args", action="append", default=[], metavar="NAME=VALUE")
        build.add_argument("--cluster", dest="sub_cluster", default=None, help="the cluster (sandbox)")
        for verb, text in (("history", "the layers of an image and the instructions that made them"),
                           ("inspect", "an image's config and layers as JSON"),
                           ("tree", "the files of an image (the union view of its layers)"),
                           ("dive", "what deleted or overwritten files cost (dive's efficiency)"),
                           ("rm", "remove an image built on the cluster")):
            sub = verbs.add_parser(verb, help=text)
            sub.add_argument("name")
            sub.add_argument("--cluster", dest="sub_cluster", default=None, help="the cluster (sandbox)")
            if verb == "history":
                sub.add_argument("--no-trunc", action="store_true")
            if verb == "tree":
                sub.add_argument("--path", default="/", help="the folder to list")
                sub.add_argument("--depth", type=int, default=1, help="how many levels below it (default 1)")
        listing = verbs.add_parser("ls", help="the cluster's images (--catalog: the catalog's)")
        listing.add_argument("--catalog", action="store_true", help="list the catalog's images and tags instead")
        listing.add_argument("--cluster", dest="sub_cluster", default=None, help="the cluster (sandbox)")

    def handle(self, *args: Any, **options: Any) -> None:
        options["cluster"] = options.pop("sub_cluster", None) or options["cluster"]
        verb = options.pop("verb")
        try:
            getattr(self, f"do_{verb}")(**options)
        except (dockerfile.BuildError, registry.RegistryError) as error:
            raise CommandError(str(error)) from None

    def find(self, cluster: str, name: str) -> Image:
        image = catalog.find(name, cluster=cluster)
        if image is None:
            raise CommandError(f"Error response from daemon: No such image: {name}")
        return image

    # build ---------------------------------------------------------------------------------------

    def do_build(self, *, cluster: str, context: str | None, dockerfile: str | None, tag: str, files: list[str],
                 build_args: list[str], **options: Any) -> None:
        dockerfile = dockerfile or next((f for f in files if "=" not in f), None)
        files = [f for f in files if "=" in f]
        path = Path(dockerfile) if dockerfile else Path(context or ".") / "Dockerfile"
        if not path.is_file():
            raise CommandError(f"failed to read the Dockerfile: open {path}: no such file or directory")
        text = path.read_text(errors="replace")
        context_files = read_context(Path(context)) if context else {}
        for item in files:
            name, equals, local = item.partition("=")
            if not equals or not Path(local).is_file():
                raise CommandError(f"--context-file {item}: expected PATH=LOCALFILE with an existing local file")
            context_files[name.lstrip("/")] = Path(local).read_text(errors="replace")
        arguments = dict(pair.partition("=")[::2] for pair in build_args)
        result = registry.build(cluster, text, tag=tag, files=context_files, build_args=arguments)
        for line in result.log:
            self.stdout.write(line)

    # reading ---------------------------------------------------------------------------------------

    def do_ls(self, *, cluster: str, catalog: bool = False, **options: Any) -> None:
        rows = [("REPOSITORY", "TAG", "IMAGE ID", "SIZE")]
        images = all_catalog_tags() if catalog else registry.images(cluster)
        for image in images:
            rows.append((image.repository, image.tag, image.id.removeprefix("sha256:")[:12], human_size(image.unpacked_size)))
        self.table(rows)

    def do_history(self, *, cluster: str, name: str, no_trunc: bool = False, **options: Any) -> None:
        image = self.find(cluster, name)
        rows = [("LAYER", "CREATED BY", "SIZE", "COMMENT")]
        remaining = list(image.layers)
        lines = []
        for entry in image.history:
            produced = None if entry.empty_layer or not remaining else remaining.pop(0)
            text = entry.created_by if no_trunc or len(entry.created_by) <= 60 else entry.created_by[:59] + "…"
            lines.append((produced.short_digest if produced else "<missing>", text,
                          human_size(produced.size) if produced else "0B", "buildkit" if "# buildkit" in entry.created_by else ""))
        rows += list(reversed(lines))
        self.table(rows)

    def do_inspect(self, *, cluster: str, name: str, **options: Any) -> None:
        self.stdout.write(json.dumps([inspect(self.find(cluster, name))], indent=4))

    def do_tree(self, *, cluster: str, name: str, path: str = "/", depth: int = 1, **options: Any) -> None:
        image = self.find(cluster, name)
        view = layers.merge(image.layers)
        folder = layers.normpath(path)
        if folder != "/" and not layers.exists(view, folder):
            raise CommandError(f"{path}: no such file or directory in {name}")
        for line in tree_lines(view, folder, depth=depth):
            self.stdout.write(line)

    def do_dive(self, *, cluster: str, name: str, **options: Any) -> None:
        image = self.find(cluster, name)
        result = layers.efficiency(image.layers)
        self.stdout.write(f"Total Image size: {human_size(image.unpacked_size)}")
        self.stdout.write(f"Potential wasted space: {human_size(result.wasted_bytes)}")
        self.stdout.write(f"Image efficiency score: {result.score * 100:.0f} %")
        self.stdout.write(f"Hidden by later layers: {human_size(layers.hidden_bytes(image.layers))}")
        if result.inefficiencies:
            self.table([("Count", "Total Space", "Path")] +
                       [(str(m.count), human_size(m.cumulative_size), m.path) for m in result.inefficiencies[:20]])

    def do_rm(self, *, cluster: str, name: str, **options: Any) -> None:
        if not registry.remove(cluster, name):
            raise CommandError(f"Error response from daemon: No such image: {name} (only images built or imported on "
                               "the cluster can be removed)")
        self.stdout.write(f"Untagged: {name}")

    def table(self, rows: list[tuple[str, ...]]) -> None:
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        for row in rows:
            self.stdout.write("   ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())


def read_context(folder: Path) -> dict[str, str]:
    """The files of a build context folder (small text files; .git and large files left out)."""
    if not folder.is_dir():
        raise CommandError(f"unable to prepare context: path {str(folder)!r} not found")
    files = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and ".git" not in path.parts and path.stat().st_size <= MAX_CONTEXT_BYTES:
            files[path.relative_to(folder).as_posix()] = path.read_text(errors="replace")
            if len(files) > MAX_CONTEXT_FILES:
                raise CommandError(f"the build context {folder} holds more than {MAX_CONTEXT_FILES} files")
    return files


def all_catalog_tags() -> list[Image]:
    return [image for repository in catalog.repositories() for tag in catalog.tags(repository)
            if tag != "latest" and (image := catalog.catalog_image(repository, tag)) is not None][:200]


def inspect(image: Image) -> dict[str, Any]:
    """As `docker image inspect` shows an image (the fields the playground knows)."""
    return {
        "Id": image.id, "RepoTags": [image.reference], "RepoDigests": [f"{catalog.repository_name(image.name)}@{image.digest}"],
        "Config": image.config.to_json(), "Architecture": "amd64", "Os": "linux", "Size": image.unpacked_size,
        "RootFS": {"Type": "layers", "Layers": [current.digest for current in image.layers]},
    }


def tree_lines(view: layers.View, folder: str, *, depth: int, indent: str = "") -> list[str]:
    lines = []
    for entry, index in layers.children(view, folder):
        kind = {"dir": "d", "symlink": "l", "hardlink": "h"}.get(entry.type, "-")
        size = human_size(layers.subtree_size(view, entry.path) if entry.type == "dir" else entry.size)
        link = f" -> {entry.target}" if entry.target else ""
        lines.append(f"{kind}{entry.mode:04o} {entry.uid}:{entry.gid} {size:>8}  layer {index}  {indent}{entry.name}{link}")
        if entry.type == "dir" and depth > 1:
            lines += tree_lines(view, entry.path, depth=depth - 1, indent=indent + "  ")
    return lines
