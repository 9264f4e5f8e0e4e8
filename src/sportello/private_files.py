"""The data folder holds customers' conversations and files (and, with SQLite, the whole
database): only the user Sportello runs as may read it, whatever the process's umask. Folders
are made 0700 and files 0600 where they are created, and tightened when they already exist
(an installation from before this rule)."""

from __future__ import annotations

import os
from pathlib import Path

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def ensure_private_dir(path: Path) -> Path:
    """Create `path` (its missing parents as usual) and make it 0700."""
    path.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    path.chmod(PRIVATE_DIR_MODE)
    return path


def ensure_private_file(path: Path) -> None:
    """Create `path` empty if it is missing, and make it 0600.

    A file that exists is never opened here, only chmod-ed: closing any descriptor of a file
    drops every POSIX lock this process holds on it, and SQLite keeps its locks on the database
    file of an engine that is already open in this process (a second engine, the tests' helpers)."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    except FileExistsError:
        path.chmod(PRIVATE_FILE_MODE)
        return
    try:
        os.fchmod(descriptor, PRIVATE_FILE_MODE)
    finally:
        os.close(descriptor)


def write_private_file(root: Path, relative: str, content: bytes) -> Path:
    """Write `content` to `root / relative`: every folder from `root` down is 0700, the file
    0600 from the moment it exists (never briefly readable by others)."""
    target = root / relative
    folder = ensure_private_dir(root)
    for part in Path(relative).parent.parts:
        folder = ensure_private_dir(folder / part)
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE_MODE)
    with os.fdopen(descriptor, "wb") as file:
        os.fchmod(file.fileno(), PRIVATE_FILE_MODE)
        file.write(content)
    return target
