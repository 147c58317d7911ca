"""RUN's shell is the one the containers' programs run (playground.shell): `set -e` as sh has it,
and the expansions a Dockerfile's RUN lines use."""
from __future__ import annotations

import pytest

from playground.images.dockerfile import BuildError, build
from playground.images.layers import merge


def content(result, path: str) -> str:
    return merge(result.image.layers)[path][0].content


def test_set_e_lets_a_failure_rescued_by_or_go_on():
    result = build("FROM alpine:3.20\nRUN set -e; rm /nosuch || true; echo ok > /ok\n", tag="t:1")

    assert content(result, "/ok") == "ok\n"


def test_set_e_stops_at_the_failing_end_of_an_and_list():
    with pytest.raises(BuildError, match=r"line 2: RUN: false .*code 1"):
        build("FROM alpine:3.20\nRUN set -e; true && false; echo never > /never\n", tag="t:1")


def test_arithmetic_nproc_and_defaults_expand_before_the_commands_run():
    result = build("FROM alpine:3.20\nENV JOBS=\nRUN echo $((1 + 2)) -j`nproc` ${JOBS:-4} > /out\n", tag="t:1")

    assert content(result, "/out") == "3 -j2 4\n"


def test_exit_ends_the_script():
    result = build("FROM alpine:3.20\nRUN echo one > /one; exit 0; echo two > /two\n", tag="t:1")

    assert "/one" in merge(result.image.layers) and "/two" not in merge(result.image.layers)
