"""`python -m akash_bme.cli`: the console script without its wrapper (how `localnet up` starts a keeper)."""

import sys

from . import main

sys.exit(main())
