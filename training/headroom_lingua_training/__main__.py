"""``python -m headroom_lingua_training``: the ``headroom-lingua train`` command."""

import sys

from .cli import main

sys.exit(main())
