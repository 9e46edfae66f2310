"""Regenerate the committed JSON Schemas: `python -m railsafe.models [--check]`.

With `--check`, nothing is written and the exit status is 1 when a committed
schema differs from what the models generate.
"""

from __future__ import annotations

import sys

from railsafe.models import generated, schema_file


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    check = "--check" in args
    stale = []
    for name, text in generated().items():
        path = schema_file(name)
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        stale.append(name)
        if not check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path}")
    if check and stale:
        print(
            f"stale schemas: {', '.join(stale)} (run `python -m railsafe.models`)", file=sys.stderr
        )
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
