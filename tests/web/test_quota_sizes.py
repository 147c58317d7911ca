"""A cluster's quota lowers the sizes the settings allow: an upload (upload_bytes), what a
Dockerfile's build may write (dockerfile_bytes) and the container logs it keeps (log_bytes)."""
from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from playground.images import registry
from playground.images.dockerfile import BuildError
from playground.sim import logs
from playground.sim.models import ContainerLogLine
from playground.store import clusters, clock
from tests.factories import pod

MANIFEST = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  colour: " + "blue" * 50 + "\n"


@pytest.fixture
def team(make_cluster):
    handle = make_cluster("team-a")
    clock.set_mode("team-a", "paused")
    return handle


def test_an_upload_over_the_clusters_quota_is_refused_and_the_limit_named(team, client):
    clusters.set_quota("team-a", upload_bytes=100)

    as_file = client.post("/clusters/team-a/upload/", {"file": SimpleUploadedFile("big.yaml", MANIFEST.encode())})
    pasted = client.post("/clusters/team-a/upload/", {"manifest": MANIFEST})

    assert as_file.status_code == 413 and pasted.status_code == 413
    assert ("big.yaml: more than the 100 bytes a manifest may have (the quota upload_bytes of cluster team-a)"
            in as_file.content.decode())
    assert "over the limit of 100 bytes (the quota upload_bytes of cluster team-a)" in pasted.content.decode()
    assert team.list("ConfigMap", namespace="default") == []


def test_a_body_declared_over_the_quota_is_refused_unread(team, client):
    clusters.set_quota("team-a", upload_bytes=100)

    response = client.post("/clusters/team-a/upload/", {"manifest": "x" * 70_000})

    assert response.status_code == 413
    assert "a manifest may have at most 100 bytes (the quota upload_bytes of cluster team-a)" in response.content.decode()


def test_the_same_upload_passes_where_no_quota_lowers_the_limit(cluster, client):
    response = client.post("/clusters/default/upload/", {"manifest": MANIFEST})

    assert response.status_code == 200
    assert cluster.get("ConfigMap", "settings", "default")


def test_a_build_writing_more_than_the_quota_fails_at_its_line(team):
    clusters.set_quota("team-a", dockerfile_bytes=1_000)

    with pytest.raises(BuildError) as refused:
        registry.build("team-a", "FROM alpine:3.20\nRUN echo hi > /a\nRUN cp -r /usr /u1\n", tag="big:1")

    assert str(refused.value) == ("line 3: RUN: more than 1,000 bytes written, the limit "
                                  "(the quota dockerfile_bytes of cluster team-a)")
    assert registry.images("team-a") == []
    registry.build("team-a", "FROM alpine:3.20\nRUN echo hi > /a\n", tag="small:1")  # within it


def test_the_clusters_logs_are_kept_within_its_quota(team):
    clusters.set_quota("team-a", log_bytes=2_000)
    chatty = pod("chatty", image="busybox:1.36")
    chatty["spec"]["containers"][0]["command"] = ["sh", "-c", "i=0; while true; do echo line $i; i=$((i+1)); sleep 1; done"]
    team.create(chatty)

    team.advance(600)  # about 600 lines of 8 characters: twice the quota

    kept = sum(len(t) for t in ContainerLogLine.objects.filter(cluster__name="team-a").values_list("text", flat=True))
    assert 0 < kept <= 2_000
    lines = logs.read("team-a", team.get("Pod", "chatty", "default"))
    assert lines[-1] == f"line {int(lines[-2].split()[1]) + 1}"  # the newest are the ones kept
    assert lines[0] != "line 0"
