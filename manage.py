#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    # Commands (the worker, imports, migrations) get the longer statement timeout; the
    # development server serves requests, so it gets the web one.
    if sys.argv[1:2] != ["runserver"]:
        os.environ.setdefault("NEWSROOM_PROCESS", "command")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
