"""The Dockerfile builder: parsing, what each instruction makes, the build cache, and the errors."""
from __future__ import annotations

import pytest

from playground.images import catalog
from playground.images.dockerfile import BuildError, MemoryCache, build, parse
from playground.images.layers import efficiency, hidden_bytes, merge


def built(text, **kwargs):
    return build(text, tag="myapp:1", **kwargs)


def view_of(result):
    return merge(result.image.layers)


def own_layers(result, base="ubuntu:24.04"):
    return result.image.layers[len(catalog.find(base).layers):]


# parsing -----------------------------------------------------------------------------------------


def test_parse_joins_continuations_and_drops_comments():
    text = "# syntax=docker/dockerfile:1\nFROM alpine:3.20 AS base\n\nRUN apk add \\\n    # a comment inside\n    curl\n"

    instructions = parse(text)

    assert [(i.line, i.keyword, i.arguments) for i in instructions] == [(2, "FROM", "alpine:3.20 AS base"),
                                                                       (4, "RUN", "apk add curl")]


def test_parse_reads_flags():
    [instruction] = parse("COPY --from=build --chown=app:app /out/app /usr/local/bin/app")

    assert instruction.flag("from") == "build" and instruction.flag("chown") == "app:app"
    assert instruction.arguments == "/out/app /usr/local/bin/app"


def test_an_unknown_instruction_names_its_line():
    with pytest.raises(BuildError, match=r"^line 2: unknown instruction: RUNN$"):
        parse("FROM alpine\nRUNN echo hi\n")


# what each instruction makes ----------------------------------------------------------------------


def test_only_instructions_that_change_files_make_layers_and_the_others_change_the_config():
    result = built("""FROM ubuntu:24.04
ENV APP_HOME=/srv/app PORT=8080
LABEL org.opencontainers.image.title="my app"
WORKDIR $APP_HOME
COPY app.py .
USER nobody
EXPOSE 8080 9090/udp
ENTRYPOINT ["python3"]
CMD ["app.py"]
""", files={"app.py": "print('hi')\n"})

    image = result.image
    assert len(own_layers(result)) == 2  # WORKDIR (creates the folder) and COPY
    assert image.config.environment["APP_HOME"] == "/srv/app" and image.config.environment["PORT"] == "8080"
    assert dict(image.config.labels)["org.opencontainers.image.title"] == "my app"
    assert (image.config.workdir, image.config.user) == ("/srv/app", "nobody")
    assert image.config.exposed_ports == ("8080/tcp", "9090/udp")
    assert (image.config.entrypoint, image.config.cmd) == (("python3",), ("app.py",))
    own_history = image.history[len(catalog.find("ubuntu:24.04").history):]
    assert [h.empty_layer for h in own_history] == [True, True, False, False, True, True, True, True]
    assert view_of(result)["/srv/app/app.py"][0].content == "print('hi')\n"


def test_an_entrypoint_resets_the_cmd_of_the_base_image():
    result = built('FROM nginx:1.27\nENTRYPOINT ["/bin/sh", "-c"]\n')

    assert result.image.config.cmd == ()


def test_shell_form_cmd_runs_through_sh():
    result = built("FROM alpine:3.20\nCMD echo hello\n")

    assert result.image.config.cmd == ("/bin/sh", "-c", "echo hello")


def test_run_writes_files_with_echo_printf_mkdir_touch_ln_and_appends():
    result = built("""FROM alpine:3.20
RUN set -e; mkdir -p /app/conf && echo "port=80" > /app/conf/a.ini && echo 'x=$HOME' >> /app/conf/a.ini \\
    && printf '%s\\n' one > /app/b && touch /app/c && ln -s /app/b /app/link && chmod 755 /app/c
""")

    view = view_of(result)
    assert view["/app/conf/a.ini"][0].content == "port=80\nx=$HOME\n"
    assert view["/app/b"][0].content == "one\n"
    assert view["/app/c"][0].size == 0 and view["/app/c"][0].mode == 0o755
    assert view["/app/link"][0].target == "/app/b"


def test_run_follows_debians_merged_usr_links():
    result = built("FROM debian:bookworm-slim\nRUN echo '#!/bin/sh' > /bin/hello && chmod +x /bin/hello\n")

    assert "/usr/bin/hello" in view_of(result)


def test_apt_get_installs_packages_with_their_dependencies_and_records_them_in_dpkg():
    result = built("FROM ubuntu:24.04\nRUN apt-get update && apt-get install -y --no-install-recommends curl\n")

    view = view_of(result)
    assert "/usr/bin/curl" in view
    assert "/var/lib/dpkg/info/libcurl4.list" in view
    assert "Package: curl\n" in view["/var/lib/dpkg/status"][0].content
    assert any(p.startswith("/var/lib/apt/lists/") and p.endswith("Packages.lz4") for p in view)


def test_apk_add_without_no_cache_keeps_the_index_and_with_it_keeps_nothing():
    cached = built("FROM alpine:3.20\nRUN apk add curl\n")
    no_cache = built("FROM alpine:3.20\nRUN apk add --no-cache curl\n")

    assert any(p.startswith("/var/cache/apk/APKINDEX") for p in view_of(cached))
    assert not any(p.startswith("/var/cache/apk/APKINDEX") for p in view_of(no_cache))
    assert "P:curl\n" in view_of(no_cache)["/lib/apk/db/installed"][0].content
    assert cached.image.unpacked_size > no_cache.image.unpacked_size


def test_pip_install_reads_requirements_and_keeps_its_cache_unless_told_not_to():
    files = {"requirements.txt": "flask==3.0.0\nrequests  # http\n"}
    with_cache = built("FROM python:3.12-slim\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n", files=files)
    without = built("FROM python:3.12-slim\nCOPY requirements.txt .\nRUN pip install --no-cache-dir -r requirements.txt\n",
                    files=files)

    view = view_of(without)
    site = "/usr/local/lib/python3.12/site-packages"
    assert f"{site}/flask/__init__.py" in view and f"{site}/werkzeug/__init__.py" in view and f"{site}/urllib3/__init__.py" in view
    assert "/usr/local/bin/flask" in view
    assert any(p.startswith("/root/.cache/pip/") for p in view_of(with_cache))
    assert not any(p.startswith("/root/.cache/pip/") for p in view)


def test_pip_refuses_debians_externally_managed_python():
    with pytest.raises(BuildError, match=r"line 3: RUN: error: externally-managed-environment"):
        built("FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y python3-pip\nRUN pip install flask\n")


def test_rm_in_a_separate_run_wastes_the_bytes_and_in_the_same_run_does_not():
    separate = built("FROM ubuntu:24.04\nRUN apt-get update && apt-get install -y curl\nRUN rm -rf /var/lib/apt/lists/*\n")
    same = built("FROM ubuntu:24.04\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n")

    assert [p for p in view_of(separate) if p.startswith("/var/lib/apt/lists/")] == []
    assert set(view_of(separate)) == set(view_of(same))
    lists = sum(e.size for e in own_layers(separate)[0].entries if e.path.startswith("/var/lib/apt/lists/"))
    assert lists > 40_000_000
    assert own_layers(separate)[1].size == 0  # the rm layer is only whiteouts
    assert separate.image.unpacked_size - same.image.unpacked_size == lists
    assert hidden_bytes(separate.image.layers) - hidden_bytes(same.image.layers) == lists
    assert efficiency(separate.image.layers).score < efficiency(same.image.layers).score


def test_rm_of_a_lower_directory_writes_one_whiteout():
    result = built("FROM debian:bookworm-slim\nRUN rm -rf /usr/share/doc\n")

    assert own_layers(result, "debian:bookworm-slim")[0].whiteouts == ("/usr/share/doc",)


def test_a_directory_removed_and_made_again_in_one_run_is_opaque():
    result = built("FROM debian:bookworm-slim\nRUN rm -rf /etc/apt && mkdir -p /etc/apt && touch /etc/apt/new\n")

    own = own_layers(result, "debian:bookworm-slim")[0]
    assert own.opaque_dirs == ("/etc/apt",)
    assert [p for p in view_of(result) if p.startswith("/etc/apt/")] == ["/etc/apt/new"]


def test_mv_and_cp_copy_up_files():
    result = built("FROM alpine:3.20\nRUN cp /etc/os-release /tmp/release && mv /etc/motd /tmp/motd\n")

    view = view_of(result)
    assert view["/tmp/release"][0].content == view["/etc/os-release"][0].content
    assert "/etc/motd" not in view and "/tmp/motd" in view


def test_useradd_copies_up_passwd_and_chown_takes_the_new_user():
    result = built("FROM ubuntu:24.04\nRUN useradd -m app && mkdir /data && chown app:app /data\n")

    view = view_of(result)
    assert "app:x:1000:1000::/home/app:/bin/sh" in view["/etc/passwd"][0].content
    assert (view["/data"][0].uid, view["/data"][0].gid) == (1000, 1000)


def test_copy_with_chown_a_folder_and_a_glob():
    files = {"src/main.py": "print(1)\n", "src/lib/util.py": "x = 1\n", "README.md": "# hi\n", "a.txt": "a", "b.txt": "b"}

    result = built("FROM alpine:3.20\nCOPY --chown=nobody src /app\nCOPY *.txt /texts/\nCOPY README.md /docs/README\n",
                   files=files)

    view = view_of(result)
    assert view["/app/main.py"][0].uid == 65534 and "/app/lib/util.py" in view
    assert "/texts/a.txt" in view and "/texts/b.txt" in view
    assert view["/docs/README"][0].content == "# hi\n"


def test_a_multi_stage_build_copies_from_the_named_stage_only():
    result = built("""FROM python:3.12-slim AS build
RUN mkdir -p /out && echo built > /out/app && apt-get update
FROM alpine:3.20
COPY --from=build /out/app /usr/local/bin/app
""")

    view = view_of(result)
    assert view["/usr/local/bin/app"][0].content == "built\n"
    assert not any(p.startswith("/var/lib/apt/lists/") for p in view)
    assert result.image.layers[0].digest == catalog.find("alpine:3.20").layers[0].digest
    assert any("[build 2/2] RUN" in line for line in result.log)


def test_arg_before_from_and_build_args():
    result = build("ARG VERSION=3.19\nFROM alpine:${VERSION}\nARG GREETING=hello\nRUN echo $GREETING > /g\n",
                   tag="x:1", build_args={"GREETING": "bonjour"})

    assert view_of(result)["/etc/alpine-release"][0].content == "3.19.4\n"
    assert view_of(result)["/g"][0].content == "bonjour\n"


def test_exec_form_run_needs_no_shell():
    result = built('FROM alpine:3.20\nRUN ["mkdir", "-p", "/a/b"]\n')

    assert "/a/b" in view_of(result)


# the build cache --------------------------------------------------------------------------------

DOCKERFILE = """FROM ubuntu:24.04
RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*
COPY app.py /app/
RUN echo done > /app/done
"""


def test_a_rebuild_reuses_every_layer_and_says_cached():
    cache = MemoryCache()
    first = built(DOCKERFILE, files={"app.py": "v1"}, cache=cache)

    second = built(DOCKERFILE, files={"app.py": "v1"}, cache=cache)

    assert second.image.id == first.image.id
    assert [s.cached for s in second.steps] == [True, True, True, True]
    assert "#3 CACHED" in second.log and "#3 DONE" not in " ".join(second.log)
    assert second.new_cache == {}


def test_changed_copied_content_rebuilds_that_step_and_everything_after_it():
    cache = MemoryCache()
    first = built(DOCKERFILE, files={"app.py": "v1"}, cache=cache)

    second = built(DOCKERFILE, files={"app.py": "v2"}, cache=cache)

    assert [s.cached for s in second.steps[1:]] == [True, False, False]
    assert second.image.layers[:-2] == first.image.layers[:-2]
    # the last RUN made the same files on a new parent: a new cache entry, the same content digest
    assert second.image.layers[-1].digest == first.image.layers[-1].digest


def test_a_changed_instruction_misses_the_cache_from_there_on():
    cache = MemoryCache()
    built(DOCKERFILE, files={"app.py": "v1"}, cache=cache)

    second = built(DOCKERFILE.replace("curl", "curl git"), files={"app.py": "v1"}, cache=cache)

    assert [s.cached for s in second.steps[1:]] == [False, False, False]


def test_a_changed_env_invalidates_the_runs_after_it():
    cache = MemoryCache()
    built("FROM alpine:3.20\nENV A=1\nRUN echo $A > /a\n", cache=cache)

    second = built("FROM alpine:3.20\nENV A=2\nRUN echo $A > /a\n", cache=cache)

    assert second.steps[-1].cached is False
    assert view_of(second)["/a"][0].content == "2\n"


# errors --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, message", [
    ("FROM ubuntu:24.04\nRUN apt-get update\nRUN apt-get install -y nosuchpkg\n",
     r"^line 3: RUN: unknown package 'nosuchpkg' for apt"),
    ("FROM alpine:3.20\n\nRUN apk add --no-cache nosuchpkg\n", r"^line 3: RUN: unknown package 'nosuchpkg' for apk"),
    ("FROM python:3.12-slim\nRUN pip install nosuchpkg\n", r"^line 2: RUN: unknown package 'nosuchpkg' for pip"),
    ("FROM ubuntu:24.04\nRUN apt-get install -y curl\n", r"^line 2: RUN: E: Unable to locate package curl .*apt-get update"),
    ("FROM ubuntu:24.04\nRUN apt-get update && apt-get install curl\n", r"^line 2: RUN: Do you want to continue\? \[Y/n\] Abort"),
    ("FROM nosuchimage:1\n", r"^line 1: FROM: image 'nosuchimage:1' not found"),
    ("FROM alpine:3.20 AS Build!\n", r"^line 1: FROM: invalid stage name 'Build!'"),
    ("FROM alpine AS a\nFROM alpine AS a\n", r"^line 2: FROM: duplicate stage name 'a'"),
    ("FROM alpine:3.20\nCOPY --from=nosuchstage /x /x\n", r"^line 2: COPY: --from=nosuchstage: no stage of that name"),
    ("FROM alpine:3.20\nCOPY missing.txt /\n", r'^line 2: COPY: "missing.txt": not found in the build context'),
    ("FROM alpine:3.20\nRUN curl -fsSL https://example.com\n", r"^line 2: RUN: /bin/sh: 1: curl: not found .*code 127"),
    ("FROM registry.k8s.io/pause:3.10\nRUN echo hi\n", r'^line 2: RUN: exec: "/bin/sh": stat /bin/sh: no such file'),
    ("FROM alpine:3.20\nRUN set -e; false; echo never\n", r"^line 2: RUN: false .*code 1"),
    ("FROM alpine:3.20\nRUN rm /nosuchfile\n", r"^line 2: RUN: rm: cannot remove '/nosuchfile': No such file"),
    ("FROM alpine:3.20\nEXPOSE eighty\n", r"^line 2: EXPOSE: invalid port 'eighty'"),
    ("RUN echo hi\n", r"^line 1: RUN: no FROM before it"),
    ("# only a comment\n", r"no FROM instruction"),
    ("FROM alpine:3.20\nRUN\n", r"^line 2: RUN: requires at least one argument"),
    ("FROM alpine:3.20\nRUN for x in a b; do echo $x; done\n", r"^line 2: RUN: the playground's shell does not run 'for'"),
])
def test_errors_name_the_line_and_the_instruction(text, message):
    with pytest.raises(BuildError, match=message):
        built(text)


def test_a_failing_build_puts_nothing_in_the_cache():
    cache = MemoryCache()
    with pytest.raises(BuildError):
        built("FROM alpine:3.20\nRUN echo one > /one\nRUN apk add --no-cache nosuchpkg\n", cache=cache)

    # the steps before the failure ran, but a failed build hands back nothing to store
    assert len(cache.layers) == 1


def test_set_e_is_off_by_default_like_sh():
    result = built("FROM alpine:3.20\nRUN false; echo still > /ran\n")

    assert view_of(result)["/ran"][0].content == "still\n"


def test_apt_keeps_downloaded_debs_only_without_docker_clean_and_apt_get_clean_removes_them():
    kept = built("FROM debian:bookworm-slim\nRUN rm /etc/apt/apt.conf.d/docker-clean && apt-get update && "
                 "apt-get install -y curl\n")
    cleaned = built("FROM debian:bookworm-slim\nRUN rm /etc/apt/apt.conf.d/docker-clean && apt-get update && "
                    "apt-get install -y curl && apt-get clean\n")
    default = built("FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y curl\n")

    def debs(result):
        return [p for p in view_of(result) if p.startswith("/var/cache/apt/archives/") and p.endswith(".deb")]

    assert len(debs(kept)) == 7  # curl and its six dependencies (libcurl4, ..., ca-certificates, openssl, libssl3)
    assert debs(cleaned) == [] and debs(default) == []


def test_a_build_stops_at_dockers_125_layers_naming_the_line():
    runs = "".join(f"RUN echo {n} > /f{n}\n" for n in range(125))  # busybox's layer and 125 more

    with pytest.raises(BuildError) as error:
        build("FROM busybox:1.36\n" + runs)

    assert str(error.value).startswith("line 126: RUN: max depth exceeded")
    assert "at most 125 layers and this would be layer 126" in str(error.value)
    assert len(build("FROM busybox:1.36\n" + runs.rsplit("RUN", 1)[0]).image.layers) == 125
