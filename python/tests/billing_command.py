"""The billing app as a command_handler: request JSON on stdin, receipt JSON on stdout.
The database URL comes from the env var named by the first argument."""

import sys

from billing_app import build_handler

if __name__ == "__main__":
    build_handler(sys.argv[1], sys.argv[2]).run_command()
