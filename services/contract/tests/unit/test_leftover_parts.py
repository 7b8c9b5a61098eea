"""Temp files of uploads cut short by a crash are removed on start; live uploads are not."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from contract.adapters.document_store import DocumentStore

# A process that receives part of an upload and is killed -9 before finishing it.
_DIES_MID_UPLOAD = """
import sys, time
from pathlib import Path
from contract.adapters.document_store import DocumentStore
spool = DocumentStore(Path(sys.argv[1])).spool()
spool.write(b"%PDF-1.7 half an upload", max_bytes=1 << 20)
spool._file.flush()
print(spool.name, flush=True)
time.sleep(60)
"""


def killed_mid_upload(root: Path) -> Path:
    proc = subprocess.Popen(
        [sys.executable, "-c", _DIES_MID_UPLOAD, str(root)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    part = Path(proc.stdout.readline().strip())
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    return part


def aged(path: Path, seconds: float = 5) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_a_crashed_uploads_part_file_goes_and_a_live_one_stays(tmp_path: Path) -> None:
    store = DocumentStore(tmp_path)
    leftover = killed_mid_upload(tmp_path)
    live = store.spool()  # an upload in progress in this process
    live.write(b"%PDF-1.7 still arriving", max_bytes=1 << 20)
    aged(leftover)
    aged(live.name)
    assert leftover.is_file()

    assert store.remove_leftover_parts() == 1

    assert not leftover.exists()
    assert live.name.is_file()
    assert live.commit(store.path("a" * 64)) and store.exists("a" * 64)
    assert list(tmp_path.glob(".upload-*")) == []


def test_a_part_file_created_this_instant_is_left_alone(tmp_path: Path) -> None:
    # mkstemp and flock are two steps: a fresh unlocked file may be an upload just starting.
    store = DocumentStore(tmp_path)
    fresh = tmp_path / ".upload-fresh.part"
    fresh.write_bytes(b"")
    assert store.remove_leftover_parts() == 0 and fresh.exists()
    aged(fresh)
    assert store.remove_leftover_parts() == 1 and not fresh.exists()
