"""logs: what a container wrote, this run or the one before."""
from __future__ import annotations

import datetime
import re

from playground.sim.logs import rfc3339_nano
from playground.sim.models import ContainerLogLine
from tests.commands.test_kubectl_commands import run
from tests.factories import pod


def chatty(name="chatty", script="i=0; while true; do echo line $i; i=$((i+1)); sleep 10; done"):
    obj = pod(name, image="busybox:1.36")
    obj["spec"]["containers"][0]["command"] = ["sh", "-c", script]
    return obj


def test_logs_show_what_the_container_wrote(cluster):
    cluster.create(chatty())

    cluster.advance(35)

    status, out, _ = run("logs", "chatty")
    assert status == 0
    assert out.splitlines()[:3] == ["line 0", "line 1", "line 2"]


def test_tail_keeps_the_last_lines(cluster):
    cluster.create(chatty())
    cluster.advance(55)

    _, out, _ = run("logs", "pod/chatty", "--tail", "2")

    assert len(out.splitlines()) == 2 and out.splitlines()[-1].startswith("line ")


def test_previous_shows_the_run_before_a_restart(cluster):
    cluster.create(chatty("crashy", "echo starting; sleep 5; exit 1"))
    cluster.advance(30)

    assert run("logs", "crashy", "--previous")[1] == "starting\n"
    assert run("logs", "crashy")[1] in ("starting\n", "")


def test_previous_without_a_restart_is_an_error(cluster):
    cluster.create(chatty())
    cluster.advance(10)

    status, _, err = run("logs", "chatty", "--previous")

    assert status == 1
    assert err == 'Error from server (BadRequest): previous terminated container "main" in pod "chatty" not found\n'


def test_a_chatty_container_keeps_only_the_tail_of_its_log(cluster, monkeypatch):
    from playground.sim import logs

    monkeypatch.setattr(logs, "MAX_LINES_PER_CONTAINER", 5)
    cluster.create(chatty("busy", "i=0; while true; do echo line $i; i=$((i+1)); sleep 1; done"))

    cluster.advance(400)

    lines = run("logs", "busy")[1].splitlines()
    assert 5 <= len(lines) <= 5 + 200  # trimmed to the limit, give or take the kubelet's slack
    assert int(lines[-1].split()[1]) > 350  # the newest lines are the ones kept


def test_a_container_still_pulling_its_image_is_waiting_to_start(cluster):
    cluster.create(chatty())
    cluster.advance(1)  # the kubelet has written ContainerCreating; the pull takes longer

    status, out, err = run("logs", "chatty")

    assert (status, out) == (1, "")
    assert err == 'Error from server (BadRequest): container "main" in pod "chatty" is waiting to start: ContainerCreating\n'


def test_a_container_whose_image_cannot_be_pulled_says_so(cluster):
    cluster.create(pod("typo", image="nosuch:1.0"))
    cluster.advance(2)
    assert run("logs", "typo")[2].endswith('container "main" in pod "typo" is waiting to start: image can\'t be pulled\n')

    cluster.advance(3)

    assert run("logs", "typo")[2].endswith(
        'container "main" in pod "typo" is waiting to start: trying and failing to pull image\n')


def written(cluster, name="chatty"):
    """(time, text) of each line the container wrote, as the kubelet's log keeps them."""
    uid = cluster.get("Pod", name, "default")["metadata"]["uid"]
    return list(ContainerLogLine.objects.filter(pod_uid=uid).order_by("id").values_list("at", "text"))


def test_timestamps_prefix_each_line_with_when_it_was_written(cluster):
    cluster.create(chatty())
    cluster.advance(25)

    _, out, _ = run("logs", "chatty", "--timestamps")

    expected = [f"{rfc3339_nano(at)} {text}" for at, text in written(cluster)]
    assert out.splitlines() == expected
    stamp = out.split(" ")[0]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d*[1-9])?Z", stamp)  # Go's RFC3339Nano: zeros cut


def test_since_counts_back_on_the_clusters_clock(cluster):
    cluster.create(chatty())
    cluster.advance(45)
    now = cluster.now()

    _, out, _ = run("logs", "chatty", "--since=15s")

    recent = [text for at, text in written(cluster) if at >= now - datetime.timedelta(seconds=15)]
    assert out.splitlines() == recent and 1 <= len(recent) < len(written(cluster))


def test_since_time_shows_the_lines_from_that_second_on(cluster):
    cluster.create(chatty())
    cluster.advance(45)
    lines = written(cluster)
    second = lines[2][0].replace(microsecond=0)

    _, out, _ = run("logs", "chatty", "--since-time", second.strftime("%Y-%m-%dT%H:%M:%SZ"))

    assert out.splitlines() == [text for at, text in lines if at >= second]


def test_since_flags_refused_as_kubectl_refuses_them(cluster):
    cluster.create(chatty())
    cluster.advance(15)

    both = run("logs", "chatty", "--since=5s", "--since-time=2026-01-01T00:00:00Z")
    bad_time = run("logs", "chatty", "--since-time=yesterday")
    bad_duration = run("logs", "chatty", "--since=abc")
    negative = run("logs", "chatty", "--since=-5s")

    assert both[2] == "error: at most one of `sinceTime` or `sinceSeconds` may be specified\n"
    assert bad_time[2] == ('error: parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": '
                           'cannot parse "yesterday" as "2006"\n')
    assert bad_duration[2] == 'error: invalid argument "abc" for "--since" flag: time: invalid duration "abc"\n'
    assert negative[2] == "error: --since must be greater than 0\n"
