"""Code review and CI: `railsafe diff`, `railsafe show`, baselines.

Imported only by the commands that need it (`railsafe check` without
`--baseline` never loads it). `snapshot` builds the review model of a tree
from the engine's own project model; `diff` compares two, `show` prints one.
"""
