"""Keep the garbage collector's full passes short in long-running service processes."""

from __future__ import annotations

import gc

_frozen = False


def freeze_startup_heap() -> None:
    """Exclude everything alive after startup (modules, app, pools) from later collections.

    A full (generation 2) collection walks every tracked object; in a service that is the
    ~100,000 objects of its imported libraries, which never become garbage. Measured with
    bench/bench_outbox.py, such a pass stalled a consumer for 40–90 ms, the largest part of
    the p99 commit → effect latency. `gc.freeze()` moves them to a permanent generation that
    collections skip (the approach CPython documents for long-lived servers). Done once per
    process: what is frozen is never collected, so repeating it (many apps in one test
    process) would only pin garbage.
    """
    global _frozen
    if _frozen:
        return
    _frozen = True
    gc.collect()
    gc.freeze()
