"""Quantities are read and written back exactly as the API server does."""
from __future__ import annotations

from decimal import Decimal

import pytest

from playground.store.quantity import QUANTITY_FORMAT_ERROR, canonical_quantity, parse_quantity


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("500m", Decimal("0.5")),
        ("2", Decimal(2)),
        ("1.5", Decimal("1.5")),
        ("1Ki", Decimal(1024)),
        ("1.5Gi", Decimal(1610612736)),
        ("128Mi", Decimal(134217728)),
        ("1k", Decimal(1000)),
        ("1M", Decimal(1000000)),
        ("250u", Decimal("0.00025")),
        ("3n", Decimal("0.000000003")),
        ("1e3", Decimal(1000)),
        ("2E-3", Decimal("0.002")),
        ("1E", Decimal(10**18)),
        ("+4", Decimal(4)),
        ("-4", Decimal(-4)),
        (".5", Decimal("0.5")),
        (3, Decimal(3)),
        (0.25, Decimal("0.25")),
    ],
)
def test_it_reads_every_suffix_kubernetes_knows(text, value):
    assert parse_quantity(text) == value


@pytest.mark.parametrize("text", ["", "abc", "1Q", "1.2.3", "12 Mi", "1Mi2x", True])
def test_a_malformed_quantity_gets_the_regular_expression_message(text):
    with pytest.raises(ValueError) as error:
        parse_quantity(text)

    assert str(error.value) == QUANTITY_FORMAT_ERROR
    assert QUANTITY_FORMAT_ERROR == (
        "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
    )


@pytest.mark.parametrize("text", ["1kk", "1e", "5iM"])
def test_a_well_formed_but_unknown_suffix_is_reported_as_such(text):
    with pytest.raises(ValueError, match="unable to parse quantity's suffix"):
        parse_quantity(text)


def test_values_below_a_nano_are_rounded_up_to_one_nano():
    assert parse_quantity("0.1n") == Decimal("0.000000001")


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("0.5", "500m"),
        ("1000m", "1"),
        ("1500m", "1500m"),
        ("2000", "2k"),
        ("1024Mi", "1Gi"),
        ("1.5Gi", "1536Mi"),
        ("512", "512"),
        ("0.5Ki", "512"),
        ("12e2", "1200"),
        ("1e3", "1e3"),
        ("0.0001", "100u"),
        ("0", "0"),
        (2, "2"),
    ],
)
def test_the_canonical_form_is_the_one_the_api_server_stores(text, canonical):
    assert canonical_quantity(text) == canonical


def test_resource_lists_are_rounded_up_to_milli_precision():
    assert canonical_quantity("0.0001", round_up_to_milli=True) == "1m"
    assert canonical_quantity("1.0005", round_up_to_milli=True) == "1001m"


def test_the_canonical_form_of_a_canonical_quantity_is_itself():
    for text in ("500m", "1Gi", "1536Mi", "2k", "1e3", "100u"):
        assert canonical_quantity(canonical_quantity(text)) == canonical_quantity(text)
