"""`python -m core ...`: see core/cli.py."""

import os
import sys

from .cli import main

try:
    status = main()
    sys.stdout.flush()
except BrokenPipeError:  # the reader went away (`python -m core probe ... | head`): stop quietly
    # Python's own advice: point stdout at devnull so that the flush at exit raises nothing more
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    status = 1
sys.exit(status)
