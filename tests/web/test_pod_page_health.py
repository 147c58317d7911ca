"""The Pod page's health checks: each probe as defined (handler, period, thresholds, what a
failure does) and a timeline of the container's recent runs, exits, CrashLoopBackOff waits and
probe results in simulated time, beside the Fail/Heal buttons; the results come from the
kubelet's own record, and the timeline follows the buttons."""
from __future__ import annotations

from tests.factories import pod

PAGE = "/clusters/default/pods/default/{}/"


def health(page: str, container: str = "main") -> str:
    return page.split(f'aria-label="health of {container}"')[1].split("</article>")[0]


def lane(section: str, kind: str) -> str:
    return section.split(f'data-lane="{kind}"')[1].split("</g>\n")[0]


def crash_looping(name: str = "crash") -> dict:
    obj = pod(name, image="busybox:1.36")
    obj["spec"]["containers"][0]["command"] = ["sh", "-c", "exit 1"]
    return obj


def served(name: str, **probes: dict) -> dict:
    obj = pod(name)
    obj["spec"]["containers"][0].update({f"{kind}Probe": probe for kind, probe in probes.items()})
    return obj


def test_each_probe_is_shown_as_kubectl_describe_writes_it_with_what_a_failure_does(cluster, client):
    cluster.create(served("web", liveness={"httpGet": {"path": "/healthz", "port": 80}, "periodSeconds": 5, "failureThreshold": 2},
                          readiness={"tcpSocket": {"port": 80}, "initialDelaySeconds": 3}))

    section = health(client.get(PAGE.format("web")).content.decode())

    liveness = section.split('data-probe="liveness"')[1].split("</tr>")[0]
    assert "<code>http-get http://:80/healthz</code>" in liveness
    assert "delay=0s timeout=1s period=5s #success=1 #failure=2" in liveness
    assert "2 failures in a row → the kubelet kills the container and restarts it" in liveness
    readiness = section.split('data-probe="readiness"')[1].split("</tr>")[0]
    assert "<code>tcp-socket :80</code>" in readiness and "10 s, first after 3 s" in readiness
    assert "the pod leaves its Services&#x27; endpoints" in readiness
    assert section.index('data-probe="liveness"') < section.index('data-probe="readiness"')


def test_a_crash_loop_is_drawn_as_runs_exits_and_back_off_waits_that_double(cluster, client):
    cluster.create(crash_looping())
    cluster.advance(100)  # exits at about 3, 4, 15, 36, 77 s: the waits 10, 20, 40 s, now 80 s

    section = health(client.get(PAGE.format("crash")).content.decode())

    runs = lane(section, "runs")
    waits = [w.split("<")[0] for w in runs.split("CrashLoopBackOff: no restart for ")[1:]]
    assert waits == ["10s after the exit", "20s after the exit", "40s after the exit", "1m20s after the exit"]
    assert runs.count('<g class="exit">') == 5 and "run 5 exited: Error (exit code 1)" in runs
    assert 'data-field="backoff">CrashLoopBackOff: the kubelet waits 1m20s before the next start' in section
    assert "No probes: the kubelet knows only whether its process runs" in section


def test_failing_liveness_from_the_button_shows_failed_probes_and_the_kill_on_the_timeline(cluster, client):
    cluster.create(served("web", liveness={"httpGet": {"path": "/", "port": 80}, "periodSeconds": 5, "failureThreshold": 2}))
    cluster.advance(30)
    before = lane(health(client.get(PAGE.format("web")).content.decode()), "liveness")

    client.post(PAGE.format("web") + "fail-liveness/", {"container": "main"})
    cluster.advance(12)

    section = health(client.get(PAGE.format("web")).content.decode())
    assert 'class="result fail"' not in before and 'class="result pass"' in before
    failed = lane(section, "liveness")
    counts = [int(part.split('"')[0]) for part in failed.split('class="result fail" data-results="')[1:]]
    assert counts[0] == 2  # failureThreshold 2: the second failure kills the first run
    assert "liveness failed: HTTP probe failed with statuscode: 500" in failed
    assert "run 1 exited: Completed (exit code 0), killed: liveness probe failed" in lane(section, "runs")
    assert 'data-field="last-failure">Last failure, liveness at' in section


def test_a_pod_not_started_has_nothing_to_draw_yet(cluster, client):
    cluster.create(served("web", readiness={"tcpSocket": {"port": 80}}))

    section = health(client.get(PAGE.format("web")).content.decode())

    assert "Not started yet: no runs and no probe results to draw." in section
