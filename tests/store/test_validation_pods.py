"""Validation of Pods: the pod spec (containers, ports, env, resources, probes, volumes) and updates."""
from __future__ import annotations



from tests.store.validation_helpers import LABEL_ERROR, check, container, pod


# --- Pod spec -----------------------------------------------------------------------------------


def test_a_pod_needs_containers():
    assert check(pod(containers=[])) == ["spec.containers: Required value"]


def test_a_container_needs_an_image():
    assert check(pod(containers=[{"name": "web"}])) == ["spec.containers[0].image: Required value"]


def test_a_container_image_may_not_have_surrounding_whitespace():
    assert 'spec.containers[0].image: Invalid value: " nginx": must not have leading or trailing whitespace' in check(
        pod(containers=[container(image=" nginx")])
    )


def test_a_container_name_is_a_dns_label():
    assert check(pod(containers=[container(name="Web")])) == [f'spec.containers[0].name: Invalid value: "Web": {LABEL_ERROR}']


def test_container_names_are_unique_across_containers_and_init_containers():
    obj = pod(containers=[container(), container()], initContainers=[container(image="busybox")])

    errors = check(obj)
    assert 'spec.containers[1].name: Duplicate value: "web"' in errors
    assert 'spec.initContainers[0].name: Duplicate value: "web"' in errors


def test_a_container_port_is_between_1_and_65535():
    obj = pod(containers=[container(ports=[{"containerPort": 70000}])])

    assert check(obj) == ["spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive"]


def test_container_port_names_are_unique():
    obj = pod(containers=[container(ports=[{"name": "http", "containerPort": 80}, {"name": "http", "containerPort": 81}])])

    assert check(obj) == ['spec.containers[0].ports[1].name: Duplicate value: "http"']


def test_a_port_name_needs_a_letter():
    obj = pod(containers=[container(ports=[{"name": "8080", "containerPort": 8080}])])

    assert check(obj) == ['spec.containers[0].ports[0].name: Invalid value: "8080": must contain at least one letter (a-z)']


def test_a_port_protocol_must_be_supported():
    obj = pod(containers=[container(ports=[{"containerPort": 80, "protocol": "HTTP"}])])

    assert check(obj) == ['spec.containers[0].ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"']


def test_an_env_var_name_may_not_contain_an_equals_sign():
    obj = pod(containers=[container(env=[{"name": "A=B", "value": "x"}])])

    assert check(obj) == [
        'spec.containers[0].env[0].name: Invalid value: "A=B": a valid environment variable name must consist only '
        "of printable ASCII characters other than '='"
    ]


def test_an_env_var_needs_a_name():
    assert check(pod(containers=[container(env=[{"value": "x"}])])) == ["spec.containers[0].env[0].name: Required value"]


def test_an_env_var_takes_a_value_or_a_value_from_not_both():
    env = [{"name": "A", "value": "x", "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "a"}}}]

    assert check(pod(containers=[container(env=env)])) == [
        'spec.containers[0].env[0].valueFrom: Invalid value: "": may not be specified when `value` is not empty'
    ]


def test_resource_quantities_must_parse():
    obj = pod(containers=[container(resources={"requests": {"memory": "1GB"}})])

    assert check(obj) == [
        'spec.containers[0].resources.requests[memory]: Invalid value: "1GB": '
        "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
    ]


def test_a_request_may_not_exceed_its_limit():
    obj = pod(containers=[container(resources={"limits": {"cpu": "1"}, "requests": {"cpu": "1500m"}})])

    assert check(obj) == ['spec.containers[0].resources.requests: Invalid value: "1500m": must be less than or equal to cpu limit of 1']


def test_resource_quantities_may_not_be_negative():
    obj = pod(containers=[container(resources={"requests": {"cpu": "-1"}})])

    assert check(obj) == ['spec.containers[0].resources.requests[cpu]: Invalid value: "-1": must be greater than or equal to 0']


def test_an_unknown_unprefixed_resource_is_not_a_container_resource():
    obj = pod(containers=[container(resources={"requests": {"gpu": "1"}})])

    assert check(obj) == ['spec.containers[0].resources.requests[gpu]: Invalid value: "gpu": must be a standard resource for containers']


def test_a_probe_needs_exactly_one_handler():
    no_handler = pod(containers=[container(readinessProbe={"periodSeconds": 5})])
    two_handlers = pod(containers=[container(readinessProbe={"exec": {"command": ["true"]}, "tcpSocket": {"port": 80}})])

    assert check(no_handler) == ["spec.containers[0].readinessProbe: Required value: must specify a handler type"]
    assert check(two_handlers) == ["spec.containers[0].readinessProbe.tcpSocket: Forbidden: may not specify more than 1 handler type"]


def test_a_liveness_probe_succeeds_after_one_success():
    probe = {"httpGet": {"port": 80}, "successThreshold": 2}

    assert check(pod(containers=[container(livenessProbe=probe)])) == [
        "spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1"
    ]


def test_probe_timings_may_not_be_negative():
    probe = {"tcpSocket": {"port": 80}, "initialDelaySeconds": -5}

    assert check(pod(containers=[container(readinessProbe=probe)])) == [
        "spec.containers[0].readinessProbe.initialDelaySeconds: Invalid value: -5: must be greater than or equal to 0"
    ]


def test_an_init_container_may_not_have_probes():
    obj = pod(initContainers=[container(name="init", livenessProbe={"exec": {"command": ["true"]}})])

    assert check(obj) == ["spec.initContainers[0].livenessProbe: Forbidden: may not be set for init containers without restartPolicy=Always"]


def test_volume_names_are_unique_dns_labels():
    obj = pod(volumes=[{"name": "data", "emptyDir": {}}, {"name": "data", "emptyDir": {}}, {"name": "Cache", "emptyDir": {}}])

    errors = check(obj)
    assert 'spec.volumes[1].name: Duplicate value: "data"' in errors
    assert f'spec.volumes[2].name: Invalid value: "Cache": {LABEL_ERROR}' in errors


def test_a_volume_has_one_source():
    obj = pod(volumes=[{"name": "data", "emptyDir": {}, "configMap": {"name": "cfg"}}])

    assert check(obj) == ["spec.volumes[0].configMap: Forbidden: may not specify more than 1 volume type"]


def test_a_volume_mount_must_name_a_volume():
    obj = pod(containers=[container(volumeMounts=[{"name": "data", "mountPath": "/data"}])])

    assert check(obj) == ['spec.containers[0].volumeMounts[0].name: Not found: "data"']


def test_mount_paths_are_unique_within_a_container():
    mounts = [{"name": "data", "mountPath": "/data"}, {"name": "data", "mountPath": "/data"}]
    obj = pod(volumes=[{"name": "data", "emptyDir": {}}], containers=[container(volumeMounts=mounts)])

    assert check(obj) == ['spec.containers[0].volumeMounts[1].mountPath: Invalid value: "/data": must be unique']


def test_a_config_map_volume_needs_a_name_and_a_sane_mode():
    obj = pod(volumes=[{"name": "cfg", "configMap": {"defaultMode": 0o1000}}])

    assert check(obj) == [
        "spec.volumes[0].configMap.name: Required value",
        "spec.volumes[0].configMap.defaultMode: Invalid value: 512: must be a number between 0 and 0777 (octal), both inclusive",
    ]


def test_a_restart_policy_must_be_supported():
    assert check(pod(restartPolicy="Sometimes")) == [
        'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"'
    ]


def test_a_toleration_without_a_key_must_use_exists():
    obj = pod(tolerations=[{"operator": "Equal", "value": "x", "effect": "NoSchedule"}])

    assert check(obj) == [
        'spec.tolerations[0].operator: Invalid value: "Equal": operator must be Exists when `key` is empty, '
        'which means "match all values and all keys"'
    ]


def test_a_toleration_effect_must_be_a_taint_effect():
    obj = pod(tolerations=[{"key": "node-role.kubernetes.io/control-plane", "operator": "Exists", "effect": "NoRun"}])

    assert check(obj) == [
        'spec.tolerations[0].effect: Unsupported value: "NoRun": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"'
    ]


# --- Pod update ---------------------------------------------------------------------------------

POD_UPDATE_FORBIDDEN = (
    "spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,"
    "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing "
    "tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)"
)


def test_a_pod_may_change_its_image():
    assert check(pod(containers=[container(image="nginx:1.27")]), pod()) == []


def test_a_pod_may_add_a_toleration():
    toleration = {"key": "example.com/spot", "operator": "Exists", "effect": "NoSchedule"}

    assert check(pod(tolerations=[toleration]), pod()) == []


def test_a_pod_may_not_change_an_existing_toleration():
    old = pod(tolerations=[{"key": "example.com/spot", "operator": "Exists", "effect": "NoSchedule"}])
    new = pod(tolerations=[{"key": "example.com/gpu", "operator": "Exists", "effect": "NoSchedule"}])

    assert "spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds" in check(new, old)


def test_a_pod_may_not_change_its_ports():
    old = pod(containers=[container(ports=[{"containerPort": 80}])])
    new = pod(containers=[container(ports=[{"containerPort": 8080}])])

    errors = check(new, old)
    assert len(errors) == 1
    assert errors[0].startswith(POD_UPDATE_FORBIDDEN + "\n")
    assert "spec.containers[0].ports[0].containerPort: 80 -> 8080" in errors[0]


def test_a_pod_may_not_add_containers():
    new = pod(containers=[container(), container(name="sidecar")])

    assert check(new, pod()) == ["spec.containers: Forbidden: pod updates may not add or remove containers"]


def test_a_pod_may_shorten_but_not_extend_its_deadline():
    old = pod(activeDeadlineSeconds=60)

    assert check(pod(activeDeadlineSeconds=30), old) == []
    assert check(pod(activeDeadlineSeconds=90), old) == [
        "spec.activeDeadlineSeconds: Invalid value: 90: must be less than or equal to previous value"
    ]
