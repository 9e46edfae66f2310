"""Allow `python -m railsafe`."""

from railsafe.cli import main

main()
