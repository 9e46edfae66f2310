"""Review railsafe's ERROR findings on ../shared/corpus against tests/corpus/expected_errors.json.

    python scripts/corpus_review.py            # print what changed (- reviewed, + now)
    python scripts/corpus_review.py --update   # accept: rewrite the reviewed list
    python scripts/corpus_review.py --show     # print every current error, per file

Exit status: 0 when nothing changed (or after --update), 1 when something did.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.corpus import harness


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true", help="rewrite the reviewed list")
    parser.add_argument("--show", action="store_true", help="print every current error")
    args = parser.parse_args(argv)
    if not (harness.CORPUS / "MANIFEST.tsv").is_file():
        print(f"corpus not found at {harness.CORPUS}", file=sys.stderr)
        return 2

    found = harness.errors()
    expected = harness.read_expected()
    rules = Counter(entry.split(" ", 1)[0] for lines in found.values() for entry in lines)
    summary = ", ".join(f"{rule} {n}" for rule, n in sorted(rules.items())) or "none"
    total = sum(rules.values())
    print(f"{total} errors in {len(found)} of {len(harness.corpus_files())} files: {summary}")

    if args.show:
        for name, lines in sorted(found.items()):
            print(name)
            for entry in lines:
                print(f"    {entry}")
    difference = harness.diff(expected, found)
    if args.update:
        harness.write_expected(found)
        print(f"wrote {harness.EXPECTED.relative_to(harness.REPO)}"
              + (f" ({len([d for d in difference if d.startswith('  ')])} changes)"))
        return 0
    if difference:
        print("changed (- reviewed, + now):")
        print("\n".join(difference))
        print("review each, then: python scripts/corpus_review.py --update")
        return 1
    print("no change from the reviewed list")
    return 0


if __name__ == "__main__":
    sys.exit(main())
