"""Byte counts as every page prints them (web/sizes.py): docker's decimal units, never 0.0 MB."""
from __future__ import annotations

import pytest

from playground.web.sizes import human


@pytest.mark.parametrize(("size", "shown"), [
    (0, "0 B"), (575, "575 B"), (1_600, "1.6 kB"), (999_499, "999 kB"), (74_800_000, "74.8 MB"), (2_500_000_000, "2.5 GB"),
])
def test_a_size_is_printed_in_the_unit_that_shows_it(size, shown):
    assert human(size) == shown
