"""`python manage.py image build|ls|history|inspect|tree|dive|rm`."""
from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from playground.images import catalog


def image(*args: str) -> str:
    out = io.StringIO()
    call_command("image", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def context(tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM alpine:3.20\nRUN apk add --no-cache curl\nCOPY app.sh /usr/local/bin/\n"
                                         'CMD ["app.sh"]\n')
    (tmp_path / "app.sh").write_text("#!/bin/sh\necho hello\n")
    return tmp_path


def test_build_prints_buildkits_log_and_stores_the_image_on_the_cluster(cluster, context):
    output = image("build", str(context), "-t", "myapp:1")

    assert "#2 [1/3] FROM docker.io/library/alpine:3.20" in output
    assert "#3 [2/3] RUN apk add --no-cache curl" in output
    assert "naming to docker.io/library/myapp:1 done" in output
    assert catalog.find("myapp:1", cluster="default").config.cmd == ("app.sh",)


def test_a_second_build_is_cached(cluster, context):
    image("build", str(context), "-t", "myapp:1")

    output = image("build", str(context), "-t", "myapp:1")

    assert "#3 CACHED" in output and "#4 CACHED" in output


def test_build_with_a_dockerfile_and_single_context_files(cluster, context, tmp_path):
    output = image("build", "-f", str(context / "Dockerfile"), "-t", "myapp:2", "--file", f"app.sh={context / 'app.sh'}")

    assert "naming to docker.io/library/myapp:2 done" in output


def test_a_failed_build_is_a_command_error_naming_the_line(cluster, context):
    (context / "Dockerfile").write_text("FROM alpine:3.20\nRUN apk add --no-cache nosuchpkg\n")

    with pytest.raises(CommandError, match="line 2: RUN: unknown package 'nosuchpkg' for apk"):
        image("build", str(context), "-t", "myapp:1")
    assert "myapp" not in image("ls")


def test_a_build_over_its_budget_is_a_command_error_naming_the_line_and_the_limit(cluster, context, settings):
    settings.PLAYGROUND_BUILD_MAX_PATH_DEPTH = 64
    (context / "Dockerfile").write_text("FROM alpine:3.20\nRUN mkdir -p /" + "/".join(["d"] * 5_000) + "\n")

    with pytest.raises(CommandError, match=r"^line 2: RUN: a path 5,000 directories deep, more than the limit of 64 "
                                           r"\(PLAYGROUND_BUILD_MAX_PATH_DEPTH\)$"):
        image("build", str(context), "-t", "deep:1")
    assert "deep" not in image("ls")


def test_ls_history_inspect_tree_and_dive(cluster, context):
    image("build", str(context), "-t", "myapp:1")

    assert image("ls").splitlines()[1].split()[:2] == ["myapp", "1"]
    history = image("history", "myapp:1")
    assert history.splitlines()[0].split() == ["LAYER", "CREATED", "BY", "SIZE", "COMMENT"]
    assert "COPY app.sh /usr/local/bin/ # buildkit" in history
    assert "<missing>      CMD [\"app.sh\"]" in history
    inspected = json.loads(image("inspect", "myapp:1"))[0]
    assert inspected["Config"]["Cmd"] == ["app.sh"] and len(inspected["RootFS"]["Layers"]) == 3
    tree = image("tree", "myapp:1", "--path", "/usr/local/bin")
    assert "layer 2  app.sh" in tree
    assert "Image efficiency score" in image("dive", "myapp:1")


def test_the_catalogs_images_can_be_read_too(cluster):
    assert "os-release" in image("tree", "debian:bookworm-slim", "--path", "/etc")
    assert "nginx" in image("ls", "--catalog")


def test_unknown_images_and_paths_are_errors(cluster):
    with pytest.raises(CommandError, match="No such image: nosuch:1"):
        image("history", "nosuch:1")
    with pytest.raises(CommandError, match="/nope: no such file or directory"):
        image("tree", "alpine:3.20", "--path", "/nope")
