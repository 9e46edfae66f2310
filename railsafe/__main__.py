"""Allow `python -m railsafe`."""

from railsafe.entry import main

main()
