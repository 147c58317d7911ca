"""The kubelet's saved memory of a pod (records.py) read back by code of another version."""
from __future__ import annotations

import json

from playground.sim.records import ContainerRecord, PodRecord, Sandbox


def test_a_state_saved_by_newer_code_loads_without_the_fields_it_added():
    saved = PodRecord(sandbox=Sandbox(state="ready", ip="10.244.1.5"),
                      containers={"web": ContainerRecord(name="web", phase="running", instances=3)}).to_json()
    saved["added_later"] = {"anything": 1}
    saved["sandbox"]["added_later"] = True
    saved["containers"]["web"]["added_later"] = [1, 2]

    record = PodRecord.from_json(json.loads(json.dumps(saved)))

    assert record.sandbox.ip == "10.244.1.5"
    assert record.containers["web"].restart_count == 2  # what the container's runs were, kept


def test_a_state_saved_by_older_code_takes_the_defaults_of_the_fields_it_lacks():
    saved = {"phase": "Running", "sandbox": {"state": "ready"}, "containers": {"web": {"name": "web", "instances": 1}}}

    record = PodRecord.from_json(saved)

    assert record.containers["web"].recent_runs == [] and record.sandbox.ip == ""
