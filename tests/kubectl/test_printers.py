"""How kubectl lays out the server's Table: upper-cased headers, `-o wide`, `-A`, kind prefixes and
aligned columns, as cli-runtime's tableprinter and tabwriter do."""
from __future__ import annotations

import pytest

from playground.kubectl.printers import columns, row, table
from playground.store.kinds import KINDS
from tests.store.test_tables import NOW, deployment, event, meta, pod

# --- Columns -------------------------------------------------------------------------------


def test_deployment_columns_are_kubectls():
    assert columns("Deployment") == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]


def test_wide_pod_columns_add_ip_node_nominated_node_and_readiness_gates():
    assert columns("Pod", wide=True) == [
        "NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED NODE", "READINESS GATES"
    ]


def test_wide_event_columns_keep_message_between_the_wide_ones():
    assert columns("Event", wide=True) == [
        "LAST SEEN", "TYPE", "REASON", "OBJECT", "SUBOBJECT", "SOURCE", "MESSAGE", "FIRST SEEN", "COUNT", "NAME"
    ]


def test_a_kind_without_a_printer_prints_name_and_age():
    custom = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": meta("w")}

    assert (columns("Widget"), row(custom, now=NOW)) == (["NAME", "AGE"], ["w", "60m"])


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("wide", [False, True])
def test_every_kind_prints_one_cell_per_header(kind, wide):
    bare = {"apiVersion": KINDS[kind].api_version, "kind": kind, "metadata": meta("x")}

    printed = row(bare, now=NOW, wide=wide)

    assert len(printed) == len(columns(kind, wide=wide))


# --- Tables --------------------------------------------------------------------------------


def test_a_table_aligns_columns_three_spaces_past_the_widest_cell():
    text = table([deployment("nginx"), deployment("coredns-long-name", replicas=10, ready=10)], now=NOW)

    assert text == (
        "NAME                READY   UP-TO-DATE   AVAILABLE   AGE\n"
        "nginx               2/3     3            2           60m\n"
        "coredns-long-name   10/10   10           10          60m\n"
    )


def test_all_namespaces_adds_a_namespace_column_first():
    text = table([deployment("coredns", namespace="kube-system"), deployment("web")], now=NOW, with_namespace=True)

    assert text.splitlines() == [
        "NAMESPACE     NAME      READY   UP-TO-DATE   AVAILABLE   AGE",
        "kube-system   coredns   2/3     3            2           60m",
        "default       web       2/3     3            2           60m",
    ]


def test_with_kind_prefixes_names_with_kind_and_group():
    assert table([deployment()], now=NOW, with_kind=True).splitlines()[1].startswith("deployment.apps/nginx   ")
    assert table([pod()], now=NOW, with_kind=True).splitlines()[1].startswith("pod/web-7d4b9c-x2x8k   ")


def test_no_line_ends_in_spaces_even_when_the_last_cell_is_empty():
    text = table([event(message="")], now=NOW)

    assert all(line == line.rstrip() for line in text.splitlines())


def test_a_multi_line_cell_is_cut_at_its_first_line():
    text = table([event(message="first line\nsecond line")], now=NOW)

    assert text.splitlines()[1].endswith("pod/web-7d4b9c-x2x8k   first line...")


def test_a_wide_table_prints_the_wide_columns():
    header = table([deployment()], now=NOW, wide=True).splitlines()[0]

    assert header.split() == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE", "CONTAINERS", "IMAGES", "SELECTOR"]


def test_no_objects_print_nothing():
    assert table([], now=NOW) == ""
