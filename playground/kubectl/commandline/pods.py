"""The verbs that reach into a pod's containers: logs (-c, --previous, --tail, --since,
--since-time, --timestamps, -f) and exec (-c, -i, -- COMMAND), as kubectl's pkg/cmd/logs and
pkg/cmd/exec.

argv → podpicker.py (the pod, or a workload's pod as kubectl picks it, waited for up to
--pod-running-timeout) → the pod's kubelet through runtime.kubelet_client, as the API server
proxies pods/log and pods/exec → the lines on out. The one module of the command line that
reaches past the store (the kubectl contract of .importlinter names it).
"""
from __future__ import annotations

import argparse
import datetime
import math
import re
import sys
import time
from typing import Any

from playground.runtime import kubelet_client
from playground.store import api as store
from playground.store.errors import BadRequest, NotFound

from .. import podpicker
from ..errors import KubectlError
from .cmdutil import Obj, Output, Verb, add_namespace

DEFAULT_CONTAINER_ANNOTATION = "kubectl.kubernetes.io/default-container"
FOLLOW_POLL_SECONDS = 0.5  # logs -f: how long to wait when the container wrote nothing new
MAX_EXEC_STDIN = 1024 * 1024  # bytes exec -i passes, as the API server's exec takes


class Logs(Verb):
    name = "logs"
    help = "Print a container's logs (kubectl logs): -c CONTAINER, --previous, --tail N, -f to follow (Ctrl-C stops)."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("pod", metavar="POD | TYPE/NAME")
        parser.add_argument("-c", "--container")
        parser.add_argument("-p", "--previous", action="store_true")
        parser.add_argument("--pod-running-timeout", default="20s", help="how long to wait for a pod of TYPE/NAME")
        parser.add_argument("--tail", type=int)
        parser.add_argument("-f", "--follow", action="store_true", help="print new lines until the container ends")
        parser.add_argument("--since", default="0s", help="only lines newer than this duration (5s, 2m, 3h), on the cluster's clock")
        parser.add_argument("--since-time", default="", help="only lines written at or after this RFC3339 time")
        parser.add_argument("--timestamps", action="store_true", help="each line after the time it was written (RFC3339Nano)")
        add_namespace(parser)

    def waits(self, **options: Any) -> bool:
        # a workload's pod may be waited for (--pod-running-timeout)
        return bool(options.get("follow") and not options.get("previous")) or podpicker.is_workload(options["pod"])

    def run(self, cluster: str, out: Output, *, pod: str, container: str | None, previous: bool, tail: int | None,
            namespace: str, pod_running_timeout: str, since: str = "0s", since_time: str = "", timestamps: bool = False,
            **options: Any) -> None:
        since_seconds = math.ceil(podpicker.duration(since, flag="--since"))  # kubectl sends whole seconds
        start = logs_since_time(since_time) if since_time else None
        if start is not None and since_seconds != 0:
            raise KubectlError("at most one of `sinceTime` or `sinceSeconds` may be specified")
        if since_seconds < 0:
            raise KubectlError("--since must be greater than 0")
        obj, found = podpicker.pod_for(cluster, pod, namespace, for_logs=True, cancelled=out.cancelled,
                                       timeout=podpicker.duration(pod_running_timeout))
        if found > 1:
            out.notice(f"Found {found} pods, using pod/{obj['metadata']['name']}")
        if since_seconds:  # the kubelet counts back from its own clock: the cluster's
            start = store.now(cluster) - datetime.timedelta(seconds=since_seconds)
        # As the API server proxies pods/log to the pod's kubelet
        lines = kubelet_client.kubelets().container_logs(cluster, obj, container, previous=previous, tail=tail,
                                                         since=start, timestamps=timestamps)
        for _, line in lines:
            out.line(line)
        if options.get("follow") and not previous:
            position = lines[-1][0] if lines else last_log_position(cluster, obj, container)
            self.follow(cluster, out, obj, container, position, timestamps=timestamps)

    def follow(self, cluster: str, out: Output, pod: Obj, container: str | None, position: int, *,
               timestamps: bool = False) -> None:
        """kubectl logs -f: the lines written after `position`, until the container stops running
        (its last lines printed), the pod goes, or Ctrl-C."""
        name = container or default_container(pod)
        while not out.cancelled():
            try:
                now = store.get(cluster, "Pod", pod["metadata"]["name"], pod["metadata"]["namespace"])
            except NotFound:
                return
            if now["metadata"].get("uid") != pod["metadata"].get("uid"):
                return  # another pod of the same name: not the stream kubectl was following
            ended = not container_running(now, name)  # read before the lines: none written before the end is lost
            lines = kubelet_client.kubelets().container_logs(cluster, now, container, after=position, timestamps=timestamps)
            for _, line in lines:
                out.line(line)
            position = lines[-1][0] if lines else position
            if ended:
                return
            if not lines:
                time.sleep(FOLLOW_POLL_SECONDS)


def last_log_position(cluster: str, pod: Obj, container: str | None) -> int:
    """Where the log ends now: a follow after lines `--since` or `--tail` left out starts from here."""
    lines = kubelet_client.kubelets().container_logs(cluster, pod, container, tail=1)
    return lines[-1][0] if lines else 0


RFC3339_LAYOUT = (("2006", r"\d{4}"), ("-", "-"), ("01", r"\d{2}"), ("-", "-"), ("02", r"\d{2}"), ("T", "T"),
                  ("15", r"\d{2}"), (":", ":"), ("04", r"\d{2}"), (":", ":"), ("05", r"\d{2}(?:\.\d+)?"),
                  ("Z07:00", r"Z|[+-]\d{2}:\d{2}"))


def logs_since_time(text: str) -> datetime.datetime:
    """--since-time: an RFC3339 time, to the second as kubectl sends it (metav1.Time); Go's
    time.Parse error, naming the part of the layout that did not match, for anything else."""
    rest = text
    for element, pattern in RFC3339_LAYOUT:
        match = re.match(pattern, rest)
        if match is None:
            raise KubectlError(f'parsing time "{text}" as "2006-01-02T15:04:05Z07:00": cannot parse "{rest}" as "{element}"')
        rest = rest[match.end():]
    if rest:
        raise KubectlError(f'parsing time "{text}": extra text: "{rest}"')
    moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment.replace(microsecond=0).astimezone(datetime.timezone.utc)


def default_container(pod: Obj) -> str:
    """The container kubectl picks without -c: the kubectl.kubernetes.io/default-container
    annotation's, else the first."""
    names = [c["name"] for c in pod["spec"]["containers"]]
    chosen = (pod["metadata"].get("annotations") or {}).get(DEFAULT_CONTAINER_ANNOTATION)
    return chosen if chosen in names else names[0]


def container_running(pod: Obj, name: str) -> bool:
    statuses = (pod.get("status") or {}).get("containerStatuses") or []
    return any(s["name"] == name and "running" in (s.get("state") or {}) for s in statuses)


class Exec(Verb):
    name = "exec"
    after_dashes = "command"  # not "args": Django's call_command takes that name for itself
    help = ("Run a command in a container and print its answer (kubectl exec POD [-c CONTAINER] -- COMMAND [ARGS...]); "
            "-i feeds it a heredoc.")

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("pod", metavar="POD | TYPE/NAME")
        parser.add_argument("-c", "--container")
        parser.add_argument("--pod-running-timeout", default="1m0s", help="how long to wait for a pod of TYPE/NAME")
        parser.add_argument("-i", "--stdin", dest="interactive", action="store_true", help="pass stdin to the command")
        parser.add_argument("-t", "--tty", action="store_true", help="not here: a terminal needs kubectl itself")
        parser.add_argument("command", nargs="*", metavar="-- COMMAND [ARGS]")
        add_namespace(parser)

    def waits(self, **options: Any) -> bool:
        return podpicker.is_workload(options["pod"])

    def run(self, cluster: str, out: Output, *, pod: str, container: str | None, interactive: bool, tty: bool,
            command: list[str], namespace: str, pod_running_timeout: str, **_: Any) -> None:
        if tty:
            raise KubectlError("no terminal here (-t, -it): this console runs one command and prints its answer, "
                               "e.g. kubectl exec POD -- sh -c 'ls /; env'. For an interactive shell use kubectl "
                               "itself with `python manage.py kubeconfig`")
        if not command:
            raise KubectlError("you must specify at least one command for the container")
        obj, _ = podpicker.pod_for(cluster, pod, namespace, for_logs=False, cancelled=out.cancelled,
                                   timeout=podpicker.duration(pod_running_timeout))
        if container is None and len(obj["spec"]["containers"]) > 1:
            container = default_container(obj)
            others = ", ".join(c["name"] for c in obj["spec"]["containers"])
            out.notice(f'Defaulted container "{container}" out of: {others}')
        stdin = (out.stdin or sys.stdin.buffer).read(MAX_EXEC_STDIN).decode(errors="replace") if interactive else None
        try:
            # As the API server proxies pods/exec to the pod's kubelet
            result = kubelet_client.kubelets().exec(cluster, namespace, obj["metadata"]["name"], container, command, stdin)
        except kubelet_client.ExecFailed as e:
            raise KubectlError(f"Internal error occurred: error executing command in container: {e}") from None
        except BadRequest as e:  # kubectl prints the stream's error as its own
            raise KubectlError(e.message) from None
        for line in result.stdout.splitlines():
            out.line(line)
        for line in result.stderr.splitlines():
            out.notice(line)
        if result.exit_code != 0:
            out.error(f"command terminated with exit code {result.exit_code}")
