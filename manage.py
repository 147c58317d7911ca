#!/usr/bin/env python
"""Django's command-line utility: `python manage.py playground`, `apply`, `get`, `delete`, ..."""
import os
import signal
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "playground.settings")
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
        sys.stdout.flush()  # here, not at exit: a reader gone by now is a BrokenPipeError we can catch
    except BrokenPipeError:
        # The reader stopped early (`get pods -o name | head -1`): end quietly, as kubectl ends
        # on SIGPIPE, with the shell's status for it. Python flushes stdout once more on its way
        # out; pointed at /dev/null that flush cannot fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(128 + signal.SIGPIPE)


if __name__ == "__main__":
    main()
