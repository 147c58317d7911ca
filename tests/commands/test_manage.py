"""manage.py as a Unix tool: a reader that stops early (`get pods -o name | head -1`) ends the
command quietly, with the shell's status for SIGPIPE, as kubectl ends."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_reader_that_stops_early_gets_no_traceback(tmp_path):
    env = {**os.environ, "PLAYGROUND_DATA_DIR": str(tmp_path)}
    command = subprocess.Popen([sys.executable, "manage.py", "explain", "pods"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    command.stdout.close()  # as `head -1` closes the pipe once it has its line

    _, stderr = command.communicate(timeout=120)

    assert stderr == b""  # no BrokenPipeError traceback, no "Exception ignored"
    assert command.returncode == 141  # 128 + SIGPIPE, what the shell shows for kubectl
