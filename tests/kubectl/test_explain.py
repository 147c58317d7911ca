"""`explain` says what `kubectl explain` says, from the v1.32 schemas: a field's type, whether it
is required, its description, and (for an object) its fields."""
from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from playground.kubectl import explain
from tests.kubectl.test_console import console


def test_a_containers_image_is_an_optional_string():
    image = explain.explain("Deployment", "spec.template.spec.containers.image")

    assert (image.name, image.type, image.required) == ("image", "string", False)
    assert image.description.startswith("Container image name.")


def test_a_containers_name_is_required_and_list_indexes_are_ignored():
    name = explain.explain("Pod", "spec.containers[0].name")

    assert (name.type, name.required) == ("string", True)


@pytest.mark.parametrize("kind, path, type_", [
    ("Deployment", "spec.strategy", "DeploymentStrategy"),
    ("Deployment", "spec.strategy.rollingUpdate.maxSurge", "IntOrString"),
    ("Deployment", "spec.replicas", "integer"),
    ("Pod", "spec.containers", "[]Container"),
    ("Pod", "metadata.labels", "map[string]string"),
    ("Pod", "spec.containers.resources.limits", "map[string]Quantity"),
    ("Service", "spec.ports", "[]ServicePort"),
])
def test_types_are_named_as_kubectl_names_them(kind, path, type_):
    assert explain.explain(kind, path).type == type_


def test_an_object_lists_its_fields_with_their_types():
    strategy = explain.explain("Deployment", "spec.strategy")

    assert [(f.name, f.type) for f in strategy.fields] == [("rollingUpdate", "RollingUpdateDeployment"), ("type", "string")]
    assert strategy.description.splitlines() == [
        "The deployment strategy to use to replace existing pods with new ones.",
        "DeploymentStrategy describes how to replace existing pods with new ones.",
    ]


def test_a_field_that_does_not_exist_is_kubectls_error():
    with pytest.raises(explain.ExplainError, match='field "replica" does not exist'):
        explain.explain("Deployment", "spec.replica")


def test_the_command_prints_kubectl_explains_layout():
    out = io.StringIO()

    call_command("explain", "deployment.spec.strategy", stdout=out)

    text = out.getvalue()
    assert text.startswith("GROUP:      apps\nKIND:       Deployment\nVERSION:    v1\n\nFIELD: strategy <DeploymentStrategy>\n\n")
    assert "DESCRIPTION:\n    The deployment strategy to use to replace existing pods with new ones.\n" in text
    assert "FIELDS:\n  rollingUpdate\t<RollingUpdateDeployment>\n    Rolling update config params." in text
    assert "  type\t<string>\n" in text


def test_the_command_knows_short_names_and_core_kinds_have_no_group():
    out = io.StringIO()

    call_command("explain", "po.spec.restartPolicy", stdout=out)

    assert out.getvalue().startswith("KIND:       Pod\nVERSION:    v1\n\nFIELD: restartPolicy <string>\n")


def test_the_command_fails_on_an_unknown_field():
    err = io.StringIO()

    with pytest.raises(SystemExit):
        call_command("explain", "deployment.spec.nope", stderr=err)

    assert err.getvalue().strip() == 'error: field "nope" does not exist'


def test_help_for_a_key_of_a_map_is_the_maps_description():
    assert explain.help_text("Pod", "spec.containers.resources.requests.cpu").startswith(
        "Requests describes the minimum amount of compute resources required."
    )
    assert explain.help_text("Pod", "spec.nothing") == ""


def test_recursive_prints_every_field_below_with_its_type_as_kubectl_does(cluster):
    # kubectl 1.32 explain deployment.spec.strategy --recursive, against the playground's /openapi/v3
    code, out, _ = console(cluster, "kubectl explain deployment.spec.strategy --recursive")

    assert code == 0
    assert out.split("FIELDS:\n")[1] == (
        "  rollingUpdate\t<RollingUpdateDeployment>\n"
        "    maxSurge\t<IntOrString>\n"
        "    maxUnavailable\t<IntOrString>\n"
        "  type\t<string>")


def test_recursive_marks_required_fields_and_goes_down_lists(cluster):
    out = console(cluster, "kubectl explain pod.spec --recursive")[1].splitlines()

    assert "  containers\t<[]Container> -required-" in out
    assert "    name\t<string> -required-" in out
    assert "      containerPort\t<integer> -required-" in out  # containers.ports
