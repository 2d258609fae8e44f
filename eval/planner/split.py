"""The dev/test split of the planner evaluation set: stratified, seeded, deterministic.

Entries are grouped by what a correct answer is (the sorted expected tool set of a question; the
expected intent of a conversation message). Groups are visited in sorted order; inside a group the
entries are ordered by a SHA-256 of `SEED` and the entry id, and handed out alternately, each group
starting with whichever split is smaller so far (dev on a tie). So every tool set or intent with two or
more entries lands in both splits, and the totals stay within one entry of 50/50.

The split was made once, before any tuning of the planners; the `split` field in the .jsonl files is
the source of truth. `python eval/planner/split.py` only checks that the files agree with this
procedure; `--write` assigns splits (use it only for entries added later, and say so in review: a
reassignment moves questions between dev and test).

Entries tagged `dev2` or `dev3` (the development extensions written after the tuning rounds, see the
README) are dev-only: they are set aside before the procedure runs, so the original entries are dealt
exactly as before, and each of them must say `"split": "dev"`.

Usage: uv run --frozen python eval/planner/split.py [--write]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

SEED = "planner-eval-2026-12"
DEV_ONLY_TAGS = ("dev2", "dev3")
"""Entries with one of these tags are development-only: never dealt, always `dev`."""
HERE = Path(__file__).resolve().parent
FILES = {"queries.jsonl": "tools", "conversation.jsonl": "intent"}


def stratum(entry: dict[str, Any], field: str) -> str:
    value = entry[field]
    return "+".join(value) if isinstance(value, list) else str(value)


def dev_only(entry: dict[str, Any]) -> bool:
    return any(tag in entry.get("tags", []) for tag in DEV_ONLY_TAGS)


def assign(entries: list[dict[str, Any]], field: str) -> dict[str, str]:
    """Entry id → "dev" or "test". Dev-only entries are "dev" and take no part in the dealing."""
    groups: dict[str, list[str]] = defaultdict(list)
    splits: dict[str, str] = {e["id"]: "dev" for e in entries if dev_only(e)}
    for entry in entries:
        if not dev_only(entry):
            groups[stratum(entry, field)].append(entry["id"])
    counts = {"dev": 0, "test": 0}
    for key in sorted(groups):
        ids = sorted(groups[key], key=lambda i: hashlib.sha256(f"{SEED}:{i}".encode()).hexdigest())
        first = "dev" if counts["dev"] <= counts["test"] else "test"
        other = "test" if first == "dev" else "dev"
        for n, entry_id in enumerate(ids):
            split = first if n % 2 == 0 else other
            splits[entry_id] = split
            counts[split] += 1
    return splits


def load(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", action="store_true", help="write the computed split into the files")
    args = parser.parse_args()
    differ = 0
    for name, field in FILES.items():
        path = HERE / name
        entries = load(path)
        splits = assign(entries, field)
        changed = [e["id"] for e in entries if e.get("split") != splits[e["id"]]]
        differ += len(changed)
        for entry in entries:
            entry["split"] = splits[entry["id"]]
        tally = {s: sum(1 for e in entries if e["split"] == s) for s in ("dev", "test")}
        extra = sum(1 for e in entries if dev_only(e))
        print(
            f"{name}: {len(entries)} entries, dev {tally['dev']} ({extra} of them {'/'.join(DEV_ONLY_TAGS)}),"
            f" test {tally['test']}, {len(changed)} differ"
        )
        if args.write and changed:
            path.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entries))
    if differ and not args.write:
        print("the committed split differs from the procedure (see above)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
