"""Bad input gets a clear error that names the place, and stores nothing.

Each file under bad_manifests/ starts with `# expect: <text the error must contain>`; a few
cases too big to keep as files (an oversized document, deep nesting, huge annotations) are
built here. For each, `apply` must name the document and the field, store nothing, and the
same cluster must then take a good manifest as usual.
"""
from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest
from django.test import override_settings

from playground.store import manifests
from tests.factories import config_map

CORPUS = sorted((Path(__file__).parent / "bad_manifests").iterdir())
GOOD = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: afterwards\ndata:\n  ok: 'yes'\n"


def expectation(data: bytes) -> str:
    first_line = data.split(b"\n", 1)[0].decode("ascii")
    assert first_line.startswith("# expect: "), "every corpus file says what error it expects"
    return first_line.removeprefix("# expect: ")


def test_the_corpus_has_at_least_forty_bad_manifests():
    assert len(CORPUS) >= 40


@pytest.mark.parametrize("path", CORPUS, ids=[p.name for p in CORPUS])
def test_a_bad_manifest_is_refused_with_its_place_and_stores_nothing(cluster, path):
    data = path.read_bytes()
    before = cluster.resource_version()

    [result] = cluster.apply_text(data)

    assert result.error, f"{path.name} was accepted"
    assert result.document.startswith("document 1")
    assert expectation(data) in result.error
    assert cluster.changes_since(before) == []
    assert [r.action for r in cluster.apply_text(GOOD)] == ["created"]


def test_the_failing_document_is_named_by_position_kind_and_name(cluster):
    text = "\n---\n".join([GOOD, (CORPUS[0].parent / "20-negative-replicas.yaml").read_text()])

    results = cluster.apply_text(text)

    assert results[1].document == "document 2 (Deployment/web)"
    assert results[1].error.startswith('Deployment.apps "web" is invalid: spec.replicas')


@override_settings(PLAYGROUND_MAX_DOCUMENT_BYTES=1024 * 1024)
def test_a_document_over_the_size_limit_is_refused_unparsed(cluster):
    big = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n  blob: " + "x" * (1024 * 1024) + "\n"

    [result] = cluster.apply_text(big)

    assert "over the limit of 1,048,576 bytes (PLAYGROUND_MAX_DOCUMENT_BYTES)" in result.error
    assert cluster.list("ConfigMap") == []


def test_the_size_limit_is_a_setting(cluster, settings):
    settings.PLAYGROUND_MAX_DOCUMENT_BYTES = 100

    [result] = cluster.apply_text(GOOD + "  padding: '" + "x" * 100 + "'\n")

    assert "over the limit of 100 bytes" in result.error


def test_ten_thousand_levels_of_nesting_are_refused(cluster):
    deep = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\ndata: " + "[" * 10_000 + "]" * 10_000 + "\n"

    [result] = cluster.apply_text(deep)

    assert "nested more than 100 levels deep" in result.error
    assert cluster.list("ConfigMap") == []


def test_annotations_over_256_kib_are_too_long(cluster):
    obj = config_map("big")
    obj["metadata"]["annotations"] = {"note": "x" * (256 * 1024)}

    with pytest.raises(Exception) as error:
        cluster.create(obj)

    assert "metadata.annotations: Too long: must have at most 262144 bytes" in str(error.value)


# A stream within the manifest limit costs a few times its size to split: splitting it into its
# lines made a string per line at once (16 MB of `a: b` lines: 240 MB; of bare `---`: 800 MB, 14 s)
@pytest.mark.parametrize("text", ["a: b\n" * 400_000, "---\n" * 100_000], ids=["short-lines", "bare-separators"])
def test_a_stream_of_short_lines_is_split_in_a_few_times_its_size(text):
    data = text.encode()

    tracemalloc.start()
    try:
        documents = manifests.parse(data, max_document_bytes=1024 * 1024)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert peak < 4 * len(data)
    assert [d.error for d in documents] == (["line 1: the document is 2,000,000 bytes, over the limit of 1,048,576 bytes "
                                             "(PLAYGROUND_MAX_DOCUMENT_BYTES)"] if text.startswith("a") else [])


def test_documents_start_where_the_separators_say():
    text = "a: 1\n---\n\n---  # two\nb: 2\n---\r\nc: 3\n---"

    documents = manifests.parse(text, max_document_bytes=1000)

    assert [(d.index, d.line, d.obj) for d in documents] == [(1, 1, {"a": 1}), (2, 5, {"b": 2}), (3, 7, {"c": 3})]
