"""The layer model: the union view, digests, sizes, wasted space and dive's efficiency score."""
from __future__ import annotations

from playground.images.layers import (
    Layer,
    children,
    delete,
    directory,
    efficiency,
    file,
    hidden_bytes,
    image_size,
    layer,
    layer_diff,
    merge,
    symlink,
    write,
)


def paths(view):
    return sorted(view)


BASE = layer([directory("/etc"), file("/etc/os-release", content="ID=debian\n"), file("/etc/passwd", 500),
              directory("/var/lib/apt/lists"), file("/var/lib/apt/lists/main_Packages", 17_000_000),
              file("/var/lib/apt/lists/security_Packages", 450_000), directory("/usr/bin"), file("/usr/bin/bash", 1_200_000)])


def test_a_whiteout_hides_the_lower_file():
    upper = layer([], whiteouts=["/etc/passwd"])

    view = merge([BASE, upper])

    assert "/etc/passwd" not in view
    assert "/etc/os-release" in view


def test_a_deleted_directory_hides_its_whole_subtree():
    upper = layer([], whiteouts=["/var/lib/apt/lists"])

    view = merge([BASE, upper])

    assert not any(p.startswith("/var/lib/apt/lists") for p in view)


def test_an_opaque_directory_hides_what_the_lower_layers_put_in_it_but_keeps_its_own_files():
    upper = layer([directory("/var/lib/apt/lists"), file("/var/lib/apt/lists/lock", 0)], opaque_dirs=["/var/lib/apt/lists"])

    view = merge([BASE, upper])

    assert [p for p in paths(view) if p.startswith("/var/lib/apt/lists/")] == ["/var/lib/apt/lists/lock"]


def test_a_file_deleted_in_one_layer_and_added_again_in_a_later_one_shows_again():
    deleted = layer([], whiteouts=["/etc/passwd"])
    re_added = layer([file("/etc/passwd", 620)])

    view = merge([BASE, deleted, re_added])

    entry, index = view["/etc/passwd"]
    assert (entry.size, index) == (620, 2)


def test_a_higher_layer_overwrites_the_same_path_and_says_where_it_comes_from():
    upper = layer([file("/etc/os-release", content="ID=ubuntu\n")])

    view = merge([BASE, upper])

    assert view["/etc/os-release"][0].content == "ID=ubuntu\n"
    assert view["/etc/os-release"][1] == 1
    assert view["/usr/bin/bash"][1] == 0


def test_a_file_over_a_lower_directory_hides_the_directory_contents():
    upper = layer([file("/var/lib/apt/lists", 10)])

    view = merge([BASE, upper])

    assert view["/var/lib/apt/lists"][0].type == "file"
    assert "/var/lib/apt/lists/main_Packages" not in view


def test_copy_up_in_the_writable_layer_leaves_the_lower_file_unchanged():
    lower_view = merge([BASE])
    upper = layer([])

    upper = write(upper, file("/etc/passwd", content="root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n"))
    upper = delete(upper, "/etc/os-release", lower_view)

    assert merge([BASE])["/etc/passwd"][0].size == 500  # the lower layer is untouched
    assert "/etc/os-release" in merge([BASE])
    view = merge([BASE, upper])
    assert view["/etc/passwd"][0].content.startswith("root:")
    assert "/etc/os-release" not in view
    assert upper.whiteouts == ("/etc/os-release",)


def test_deleting_a_file_the_writable_layer_created_leaves_no_whiteout():
    upper = write(layer([]), file("/tmp/scratch", 10))

    upper = delete(upper, "/tmp/scratch", merge([BASE]))

    assert upper.entries == () and upper.whiteouts == ()


def test_equal_content_gives_equal_digests_whatever_the_order_or_instruction():
    one = layer([file("/a", 1), file("/b", 2)], created_by="RUN one")
    two = layer([file("/b", 2), file("/a", 1)], created_by="RUN two")

    assert one.digest == two.digest
    assert one.digest.startswith("sha256:") and len(one.digest) == 71


def test_any_change_of_content_mode_owner_or_deletion_changes_the_digest():
    digests = {
        layer([file("/a", 1)]).digest,
        layer([file("/a", 2)]).digest,
        layer([file("/a", 1, mode=0o755)]).digest,
        layer([file("/a", 1, uid=1000)]).digest,
        layer([file("/a", content="x")]).digest,
        layer([file("/a", 1)], whiteouts=["/b"]).digest,
        layer([symlink("/a", "/b")]).digest,
    }

    assert len(digests) == 7


def test_a_layer_built_directly_computes_its_digest_and_size():
    direct = Layer(entries=(file("/a", 10), directory("/d"), symlink("/l", "/a")))

    assert direct.digest == layer([file("/a", 10), directory("/d"), symlink("/l", "/a")]).digest
    assert direct.size == 10


def test_an_image_never_gets_smaller_by_deleting_a_file():
    cleanup = layer([], whiteouts=["/var/lib/apt/lists"], created_by="RUN rm -rf /var/lib/apt/lists/*")

    assert cleanup.size == 0
    assert image_size([BASE, cleanup]) == image_size([BASE])
    assert hidden_bytes([BASE, cleanup]) == 17_450_000


def test_deleting_in_the_same_layer_wastes_nothing_but_in_a_separate_layer_wastes_the_bytes():
    lists = [file("/var/lib/apt/lists/main_Packages", 17_000_000), file("/var/lib/apt/lists/security_Packages", 450_000)]
    curl = [file("/usr/bin/curl", 300_000)]
    base = layer([directory("/usr/bin"), file("/usr/bin/bash", 1_200_000)])
    same_run = [base, layer(curl)]  # apt-get update && apt-get install curl && rm -rf /var/lib/apt/lists/*
    separate = [base, layer(lists + curl), layer([], whiteouts=[f.path for f in lists])]

    assert efficiency(same_run).score == 1.0 and efficiency(same_run).wasted_bytes == 0
    assert hidden_bytes(separate) == 17_450_000
    assert image_size(separate) - image_size(same_run) == 17_450_000
    result = efficiency(separate)
    # dive: a deleted file counts its size once in the layer that added it and 0 in the whiteout:
    # score = (1,200,000 + 300,000 + 0 + 0) / (1,200,000 + 300,000 + 17,000,000 + 450,000)
    assert abs(result.score - 1_500_000 / 18_950_000) < 1e-9
    assert result.wasted_bytes == 17_450_000
    assert [m.path for m in result.inefficiencies] == ["/var/lib/apt/lists/main_Packages",
                                                       "/var/lib/apt/lists/security_Packages"]


def test_a_file_written_twice_lowers_the_score_by_the_duplicate():
    first = layer([file("/app/data.bin", 1_000)])
    second = layer([file("/app/data.bin", 1_000)])

    result = efficiency([first, second])

    assert result.score == 0.5
    assert result.wasted_bytes == 2_000


def test_children_lists_a_directory_with_implied_folders():
    view = merge([layer([file("/srv/app/main.py", 10), file("/srv/readme", 5)])])

    names = [(e.name, e.type) for e, _ in children(view, "/srv")]

    assert names == [("app", "dir"), ("readme", "file")]


def test_a_layer_diff_sorts_its_files_into_added_modified_and_removed():
    upgrade = layer([file("/etc/passwd", 600), file("/usr/bin/curl", 300_000), directory("/var/lib/apt/lists")],
                    whiteouts=["/var/lib/apt/lists/security_Packages"])

    diff = layer_diff([BASE, upgrade], 1)

    assert [e.path for e in diff.added] == ["/usr/bin/curl"]
    assert [e.path for e in diff.modified] == ["/etc/passwd", "/var/lib/apt/lists"]
    assert diff.removed == ("/var/lib/apt/lists/security_Packages",)
