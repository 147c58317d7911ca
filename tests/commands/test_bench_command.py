"""`bench`: every benchmark in benchmarks/ has a small size, which CI runs on each submission
(`bench all --small` in .ci/run), so that a benchmark the code leaves behind fails there. No
figure is asserted here: timings belong to a quiet machine."""
from __future__ import annotations

import argparse
import importlib
from types import SimpleNamespace

import pytest
from django.core.exceptions import ImproperlyConfigured

from playground.management.commands import bench


def test_every_benchmark_is_a_scenario_of_the_command():
    assert {"converge", "image_import", "images", "stateful", "store", "ui", "upload"} <= set(bench.scenarios())


@pytest.mark.parametrize("name", bench.scenarios())
def test_every_benchmark_declares_its_small_size_in_its_own_options(name):
    module = importlib.import_module(f"benchmarks.{name}")
    assert isinstance(getattr(module, "SMALL", None), dict) and module.SMALL, f"benchmarks/{name}.py has no SMALL"
    assert set(module.SMALL) <= set(bench.defaults(module))
    assert bench.small_size(module) == module.SMALL


def scenario(**small) -> SimpleNamespace:
    def add_arguments(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--pods", type=int, default=10_000)
        parser.add_argument("--single", type=int, default=1_000)

    module = SimpleNamespace(__name__="benchmarks.fake", add_arguments=add_arguments)
    if small:
        module.SMALL = small
    return module


def test_a_benchmark_without_a_small_size_is_refused():
    with pytest.raises(ImproperlyConfigured, match="declares no SMALL"):
        bench.small_size(scenario())


def test_a_small_size_naming_an_option_the_benchmark_lacks_is_refused():
    with pytest.raises(ImproperlyConfigured, match=r"\['replicas'\]"):
        bench.small_size(scenario(replicas=3))


def test_small_takes_the_place_of_defaults_and_options_given_win():
    module = scenario(pods=100, single=10)
    assert bench.at_small_size(module, {"pods": 10_000, "single": 1_000}) == {"pods": 100, "single": 10}
    assert bench.at_small_size(module, {"pods": 500, "single": 1_000}) == {"pods": 500, "single": 10}


def test_every_scenario_and_all_take_small():
    parser = bench.Command().create_parser("manage.py", "bench")
    for name in [*bench.scenarios(), bench.ALL]:
        assert parser.parse_args([name, "--small"]).small is True
