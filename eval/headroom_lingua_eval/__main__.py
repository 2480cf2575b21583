"""``python -m headroom_lingua_eval ...`` (and ``accelerate launch -m headroom_lingua_eval ...``)."""

import sys

from headroom_lingua_eval.cli import main

if __name__ == "__main__":
    sys.exit(main())
