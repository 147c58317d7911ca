"""`bench workshop`: the browser yields the cores to the servers, in a cpu cgroup of its own
where cgroup v1's controller is writable and at nice 19 elsewhere, and says which. A folder
stands for the controller here; no test touches the machine's cgroups."""
from __future__ import annotations

import os

from benchmarks.workshop import BROWSER_NICE, BROWSER_SHARES, BrowserShare


def test_without_a_cpu_controller_the_browser_runs_at_nice_19(tmp_path):
    share = BrowserShare(root=tmp_path)

    assert share.group is None
    assert f"nice {BROWSER_NICE}" in share.description
    assert list(tmp_path.iterdir()) == []


def test_with_one_the_browser_gets_a_group_of_its_own_with_small_shares(tmp_path):
    (tmp_path / "cpu.shares").write_text("1024")

    share = BrowserShare(root=tmp_path)
    share.take([os.getpid()])

    assert share.group is not None and share.group.parent == tmp_path
    assert (share.group / "cpu.shares").read_text() == str(BROWSER_SHARES)
    assert (share.group / "cgroup.procs").read_text() == str(os.getpid())
    assert f"cpu.shares {BROWSER_SHARES}" in share.description
