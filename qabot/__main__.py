"""``python -m qabot`` runs the command line."""

import sys

try:
    from qabot.cli import main

    code = main()
except KeyboardInterrupt:  # Ctrl-C in the instant before or after main()'s own handler
    print("qabot: interrupted", file=sys.stderr)
    code = 130
sys.exit(code)
