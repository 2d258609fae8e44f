"""A build step of deploy/Dockerfile: the workspace's files of a virtual environment, apart from its
dependencies, so the image gets them as a small layer of their own.

    python3 venv_layer.py snapshot VENV LIST   # after the dependencies are installed
    python3 venv_layer.py split VENV LIST OUT  # after the workspace is installed

`snapshot` writes every file and symlink of VENV with a digest of its content (or link target) to
LIST (not mtimes: a layer boundary may round them); `split` copies what was added or changed since
into OUT, at the same path relative to VENV, and fails when a file of the snapshot is gone (the
dependency layer would still have it). Standard library only: it runs on the base image's python3.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
from pathlib import Path


def files(venv: Path) -> dict[str, str]:
    """Every file and symlink under `venv`, by path relative to it: its digest (`link:` + target for a
    symlink, `mode` appended so an executable bit counts)."""
    found: dict[str, str] = {}
    for path in venv.rglob("*"):
        if path.is_symlink():
            found[path.relative_to(venv).as_posix()] = "link:" + os.readlink(path)
        elif path.is_file():
            with path.open("rb") as file:  # streamed: native libraries of the venv can be large
                digest = hashlib.file_digest(file, "sha256").hexdigest()
            found[path.relative_to(venv).as_posix()] = f"{digest}:{path.stat().st_mode:o}"
    return found


def snapshot(venv: Path, listing: Path) -> int:
    found = files(venv)
    listing.write_text(json.dumps(found, sort_keys=True))
    print(f"{len(found)} dependency files in {venv}")
    return 0


def split(venv: Path, listing: Path, out: Path) -> int:
    before: dict[str, str] = json.loads(listing.read_text())
    now = files(venv)
    gone = sorted(set(before) - set(now))
    if gone:
        print(f"removed from the dependency layer, which would still hold them: {gone[:20]}", file=sys.stderr)
        return 1
    changed = sorted(path for path, entry in now.items() if before.get(path) != entry)
    size = 0
    for relative in changed:
        source, target = venv / relative, out / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target, follow_symlinks=False)
        size += source.lstat().st_size
    print(f"{len(changed)} workspace files ({size / 1e3:.0f} kB) of {len(now)} in {venv} copied to {out}")
    return 0


def main(argv: list[str]) -> int:
    match argv:
        case ["snapshot", venv, listing]:
            return snapshot(Path(venv), Path(listing))
        case ["split", venv, listing, out]:
            return split(Path(venv), Path(listing), Path(out))
        case _:
            print(__doc__, file=sys.stderr)
            return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
