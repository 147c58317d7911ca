"""kubectl edit's client side without a database: what the editor opens, and the patch it sends
(only what was changed; the resourceVersion as a precondition when someone else changed the
same field meanwhile; a mask never sent as a value)."""
from __future__ import annotations

import copy

import pytest

from playground.store.api import LAST_APPLIED
from playground.store.errors import BadRequest, Invalid
from playground.web import editing
from tests.factories import deployment


def live_deployment(*, replicas: int = 5, image: str = "nginx:1.28", version: str = "10") -> dict:
    obj = deployment("web", replicas=replicas, image=image)
    obj["metadata"].update(uid="u-1", resourceVersion=version, generation=3,
                           annotations={LAST_APPLIED: '{"spec":{"replicas":3}}'},
                           managedFields=[{"manager": "kubectl-client-side-apply"}])
    obj["status"] = {"replicas": replicas}
    return obj


def containers(obj: dict) -> list[dict]:
    return obj["spec"]["template"]["spec"]["containers"]


def test_the_editor_opens_the_live_object_without_status_or_managed_fields():
    live = live_deployment()

    shown = editing.opened(live)

    assert "status" not in shown and "managedFields" not in shown["metadata"]
    assert shown["spec"] == live["spec"]  # the live replicas and image, not the last-applied ones
    assert shown["metadata"]["resourceVersion"] == "10" and shown["metadata"]["uid"] == "u-1"


def test_an_untouched_edit_sends_nothing():
    original = editing.opened(live_deployment())

    assert editing.edit_patch(original, copy.deepcopy(original), live_deployment()) == {}


def test_the_patch_holds_only_the_change():
    original = editing.opened(live_deployment())
    edited = copy.deepcopy(original)
    containers(edited)[0]["image"] = "nginx:1.29"

    patch = editing.edit_patch(original, edited, live_deployment(replicas=7, version="11"))

    assert patch == {"spec": {"template": {"spec": {
        "containers": [{"name": "web", "image": "nginx:1.29"}],
        "$setElementOrder/containers": [{"name": "web"}]}}}}  # no replicas, no resourceVersion


def test_a_field_someone_else_changed_meanwhile_makes_the_patch_conditional():
    original = editing.opened(live_deployment())
    edited = copy.deepcopy(original)
    edited["spec"]["replicas"] = 4

    patch = editing.edit_patch(original, edited, live_deployment(replicas=7, version="11"))

    assert patch == {"spec": {"replicas": 4}, "metadata": {"resourceVersion": "10"}}


def test_a_status_write_meanwhile_is_no_conflict():
    original = editing.opened(live_deployment())
    edited = copy.deepcopy(original)
    edited["spec"]["replicas"] = 4
    live = live_deployment(version="12")
    live["status"] = {"replicas": 5, "readyReplicas": 5}

    assert editing.edit_patch(original, edited, live) == {"spec": {"replicas": 4}}


@pytest.mark.parametrize("path", ["apiVersion", "kind", "name", "namespace"])
def test_the_identity_of_the_object_cannot_change(path):
    original = editing.opened(live_deployment())
    edited = copy.deepcopy(original)
    if path in ("name", "namespace"):
        edited["metadata"][path] = "other"
    else:
        edited[path] = "Other"

    with pytest.raises(BadRequest, match="At least one of apiVersion, kind and name was changed"):
        editing.edit_patch(original, edited, live_deployment())


def secret(data: dict, *, version: str = "5") -> dict:
    return {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
            "metadata": {"name": "db", "namespace": "default", "resourceVersion": version,
                         "annotations": {LAST_APPLIED: '{"data":{"password":"aHVudGVyMjI="}}'}},
            "data": data}


def test_a_secret_opens_masked_and_an_edit_of_one_key_sends_only_that_key():
    live = secret({"password": "aHVudGVyMjI=", "user": "YWRtaW4="})
    original = editing.opened(live)
    edited = copy.deepcopy(original)
    edited["data"]["user"] = "cm9vdA=="

    patch = editing.edit_patch(original, edited, live)

    assert original["data"] == {"password": "***", "user": "***"}
    assert original["metadata"]["annotations"][LAST_APPLIED] == "***"
    assert patch == {"data": {"user": "cm9vdA=="}}


def test_a_mask_under_a_key_that_had_none_is_refused():
    live = secret({"password": "aHVudGVyMjI="})
    original = editing.opened(live)
    edited = copy.deepcopy(original)
    edited["data"] = {"pass": "***"}

    with pytest.raises(Invalid, match=r"data\[pass\]"):
        editing.edit_patch(original, edited, live)


def test_a_secret_changed_meanwhile_makes_a_value_edit_conditional():
    original = editing.opened(secret({"password": "aHVudGVyMjI="}))
    edited = copy.deepcopy(original)
    edited["data"]["password"] = "bmV3"

    patch = editing.edit_patch(original, edited, secret({"password": "b3RoZXI="}, version="6"))

    assert patch["metadata"] == {"resourceVersion": "5"}  # the masks hide what changed: any change counts
