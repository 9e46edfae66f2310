"""Regenerate railsafe/data/detections.json from detections.toml (`--check`: exit 1 if stale)."""

import sys

from railsafe.commands.table import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
