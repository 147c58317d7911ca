"""The lessons benchmark (issue 17): every shipped lesson's checks against a cluster of 1,000 pods.

A cluster of its own ("bench") with a Deployment `web` of `--pods` replicas converged on 20 nodes
(as benchmarks/converge.py drives an instant clock), so the checks about `app=web` walk every one
of them. Then each check of each step of each lesson is evaluated `--repeat` times, as a step's
socket evaluates them after a change (the runtime's cache is synced once, as it is between
changes), each with its hold counted on the cluster's clock (lessons.checks.held). Reports each lesson's p95 and slowest check, in milliseconds (the target: a p95 under 20 ms for
each check), then console commands from the typed line to all they print (the target: p95 under
200 ms).
"""
from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

from benchmarks.converge import CLUSTER, fresh_cluster
from benchmarks.stateful import converge
from playground.kubectl.commandline.cmdutil import Captured
from playground.kubectl.console import run_line
from playground.lessons.checks import held
from playground.lessons.files import load_lessons
from playground.lessons.view import LiveView
from playground.store import api as store
from playground.store import clock, clusters

SMALL = {"pods": 50, "repeat": 3}  # `--small`, as CI runs it: in seconds


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pods", type=int, default=1000, help="replicas of the Deployment web the checks look at")
    parser.add_argument("--repeat", type=int, default=20, help="evaluations of each check")


def web(replicas: int) -> dict[str, Any]:
    labels = {"app": "web"}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "default"},
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels}, "spec": {"containers": [
                         {"name": "nginx", "image": "nginx:1.27", "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}}}]}}}}


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20, method="inclusive")[-1] if len(samples) > 1 else samples[0]


def console_figures(write: Callable[[str], Any], repeat: int, pod: str, pods: int) -> None:
    """Console commands, line typed → everything printed (kubectl.console.run_line, as the console's
    socket runs it), against the same cluster."""
    commands = ["kubectl get deployments", "kubectl get pods -l app=web", f"kubectl get pod {pod} -o yaml",
                "kubectl get pods -A -o name", f"kubectl label pod {pod} lesson=bench --overwrite",
                "kubectl explain deployment.spec.strategy", "kubectl get nope"]
    everything = []
    for command in commands:
        samples = []
        for _ in range(repeat):
            started = time.perf_counter()
            run_line(CLUSTER, command, Captured())
            samples.append((time.perf_counter() - started) * 1000)
        everything.extend(samples)
        write(f"  console {command[:40] + ':':48} p50 {statistics.median(samples):7.1f} ms, p95 {p95(samples):7.1f} ms")
    write(f"  {'every console command:':28} p95 {p95(everything):6.1f} ms (target: under 200 ms; {pods:,} pods)")


def main(write: Callable[[str], Any], *, pods: int = 1000, repeat: int = 20) -> None:
    runtime = fresh_cluster(20)
    try:
        store.apply(CLUSTER, web(pods))
        converge(runtime, lambda: (store.get(CLUSTER, "Deployment", "web", "default").get("status") or {}).get(
            "readyReplicas") == pods)
        view = LiveView(CLUSTER)
        now = clock.now(CLUSTER)
        write(f"lessons benchmark: every check of every lesson against {pods:,} ready pods, {repeat} times each")
        everything: list[float] = []
        for lesson in load_lessons():
            per_check: list[tuple[float, str]] = []
            for step in lesson.steps:
                for check in step.checks:
                    samples = []
                    for _ in range(repeat):
                        started = time.perf_counter()
                        held(check, check.evaluate(view), since=now, now=now)
                        samples.append((time.perf_counter() - started) * 1000)
                    per_check.append((p95(samples), f"step {step.number} {check.expect}"))
                    everything.extend(samples)
            worst, where = max(per_check)
            write(f"  {lesson.slug + ':':28} p95 of its checks {p95([p for p, _ in per_check]):6.2f} ms,"
                  f" slowest {worst:6.2f} ms ({where})")
        write(f"  {'every check:':28} p95 {p95(everything):6.2f} ms (target: under 20 ms each)")
        console_figures(write, repeat, store.list(CLUSTER, "Pod", namespace="default")[0]["metadata"]["name"], pods)
    finally:
        if CLUSTER in clusters.names():
            clusters.delete(CLUSTER)
