"""`python manage.py workshop`: create prints the join link and code, which let an attendee in;
list, reset (one attendee or all), lock and unlock, close (every cluster deleted)."""
from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.test import Client

from playground.store import api as store
from playground.store import clusters
from playground.workshops.models import Workshop
from tests.factories import deployment
from tests.workshops.conftest import join


def workshop(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("workshop", *args, stdout=out, stderr=err)
    except SystemExit:
        pass
    return out.getvalue(), err.getvalue()


def test_create_prints_a_link_and_a_code_that_let_an_attendee_in(db):
    out, _ = workshop("create", "k8s101", "--seats", "40", "--lesson", "04-pods", "--url", "http://10.0.0.5:8000")

    link = re.search(r"join link: (\S+)", out).group(1)
    code = re.search(r"join code: (\S+)", out).group(1)
    assert link == "http://10.0.0.5:8000/join/k8s101/"
    assert Client().post("/join/k8s101/", {"code": code, "name": "Ana"}).status_code == 302
    assert Workshop.objects.get().lessons == ["04-pods"]


@pytest.mark.parametrize(("args", "error"), [
    (("create", "K8S"), 'workshop name "K8S" must be a lowercase RFC 1123 label'),
    (("create", "k8s", "--seats", "0"), "seats: 0 is not between 1 and 500"),
    (("create", "k8s", "--lesson", "nope"), 'lesson "nope" not found'),
    (("reset", "nope"), 'workshop "nope" not found'),
    (("close",), "workshop close needs a NAME"),
])
def test_bad_arguments_say_what_is_wrong_and_store_nothing(db, args, error):
    _, err = workshop(*args)

    assert error in err
    assert not Workshop.objects.exists()


def test_list_reset_lock_and_close(db):
    workshop("create", "k8s101", "--seats", "3")
    made = Workshop.objects.get()
    ana, bo = join(made, "Ana"), join(made, "Bo")
    for attendee in (ana, bo):
        store.apply(attendee.cluster, deployment("web"))

    assert re.search(r"k8s101\s+\w{6}\s+2/3\s+0\s+open", workshop("list")[0])
    assert "1 attendee reset" in workshop("reset", "k8s101", "--attendee", "Ana")[0]
    assert store.list(ana.cluster, "Deployment", namespace="default") == []
    assert len(store.list(bo.cluster, "Deployment", namespace="default")) == 1
    assert "locked" in workshop("lock", "k8s101")[0]
    assert Client().post("/join/k8s101/", {"code": made.code, "name": "Cy"}).status_code == 403
    assert "2 clusters deleted" in workshop("close", "k8s101")[0]
    assert not clusters.exists(ana.cluster) and not clusters.exists(bo.cluster)
    assert "closed" in workshop("list")[0]
