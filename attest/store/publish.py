"""``attest log publish``: copy exactly a log's public files into a directory for any static
server: ``checkpoint`` (cosigned when the log's witnesses cosigned the current one) and the
C2SP tiles and entry bundles under ``tile/``. Never the log's private files (``log.json``
and the key's path, ``index.sqlite``, ``lock``, ``pending``, ``cosigned.json``, ``inner/``).

Tiles are written first and the checkpoint last, each atomically, so a server reading the
directory while it is published never serves a checkpoint whose tiles are not there yet.
"""

from __future__ import annotations

import os
from pathlib import Path

from attest import _fs
from attest.errors import AttestError, UsageError
from attest.store.cosigned import cosigned_note
from attest.store.log import Log
from attest.tlog.tiles import parse_tile_path

__all__ = ["publish"]

_LIMIT = 256 * (2 + 0xFFFF)


def publish(log: Log, dest: Path) -> tuple[int, int]:
    """Write the log's public files into ``dest``: (tiles written, tiles already there)."""
    dest = Path(dest)
    if dest.resolve() == log.root.resolve() or log.root.resolve() in dest.resolve().parents:
        raise UsageError("log.publish_inside", "publish into a directory outside the log")
    dest.mkdir(parents=True, exist_ok=True)
    note = log.checkpoint_note
    written = kept = 0
    dirs: set[Path] = set()
    tile_root = log.root / "tile"
    for folder, subdirs, names in os.walk(tile_root):
        subdirs.sort()
        for name in sorted(names):
            src = Path(folder) / name
            if src.is_symlink():
                raise UsageError("log.link", f"{src} is a symbolic link; not published")
            rel = src.relative_to(log.root).as_posix()
            try:
                parse_tile_path(rel)
            except AttestError:
                continue  # a temporary or foreign file: not a C2SP resource
            data = _fs.read_regular(src, _LIMIT, code="log")
            target = dest / rel
            if target.is_file() and target.read_bytes() == data:
                kept += 1
                continue
            _fs.write_atomic(target, data, mode=0o644, sync_dirs=dirs)
            written += 1
    _fs.sync_all(dirs)
    _fs.write_atomic(dest / "checkpoint", cosigned_note(log.root, note) or note, mode=0o644)
    return written, kept
