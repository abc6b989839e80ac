"""``python -m qabot`` runs the command line."""

import sys

from qabot.cli import main

sys.exit(main())
