"""Python's cyclic garbage collector paused for a bulk computation.

A worker process holds about 300,000 long-lived objects (Flask, FAB, SQLAlchemy, the app).
A computation that builds tens of thousands of small containers which stay alive until it
ends (a national round's results: 33,210 field figures) makes the collector run full passes
over all of them again and again: on bench.results, a third of the computation's Python
time. Reference counting still frees everything that is not in a cycle; the collector runs
as usual once the computation is over. The pause is process-wide: in a threaded server the
other requests go without it for that second too. (Mercurial's util.nogc does the same.)
"""

import contextlib
import gc


@contextlib.contextmanager
def gc_paused():
    """Usable as `with gc_paused():` or as a decorator; nests (the outermost re-enables)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
