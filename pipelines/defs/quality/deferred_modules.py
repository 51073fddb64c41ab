"""Modules that stand deferred until something uses them.

`defer("scipy.stats")` puts a stand-in for the module in `sys.modules`. An
`import scipy.stats` or `from scipy import stats` then binds the stand-in
without running the module; the first attribute read (`stats.entropy`) imports
the real module and answers from it, and so does every later read. Code that
only imports a module to use it in a path that never runs therefore never pays
for it. A name already imported is left alone.

Used for Great Expectations (see `gx_suites.GX_UNUSED_MODULES`): GX 1.x imports
every built-in expectation when it starts, and one of them imports scipy.stats
and altair at module level only to use them when it runs or renders.
"""

from __future__ import annotations

import importlib
import sys
import threading
import types

_load_lock = threading.RLock()


class DeferredModule(types.ModuleType):
    """A stand-in in `sys.modules` that imports the real module on first use."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.__dict__["_deferred_real"] = None

    def _deferred_load(self) -> types.ModuleType:
        real = self.__dict__["_deferred_real"]
        if real is None:
            with _load_lock:
                real = self.__dict__["_deferred_real"]
                if real is None:
                    if sys.modules.get(self.__name__) is self:
                        del sys.modules[self.__name__]
                    real = importlib.import_module(self.__name__)
                    self.__dict__["_deferred_real"] = real
        return real

    def __getattr__(self, attr: str):
        # The import system asks a module in sys.modules for its __spec__ (is it
        # still initialising?) when it is imported again: not yet loaded, the
        # stand-in has none, which means "ready" and does not load it.
        if attr == "__spec__" and self.__dict__["_deferred_real"] is None:
            return None
        return getattr(self._deferred_load(), attr)

    def __dir__(self):
        return dir(self._deferred_load())


def defer(*names: str) -> None:
    """Put a stand-in in `sys.modules` for each name not imported yet."""
    with _load_lock:
        for name in names:
            if name not in sys.modules:
                sys.modules[name] = DeferredModule(name)


def still_deferred(name: str) -> bool:
    """Whether `name` is a stand-in that nothing has used yet."""
    module = sys.modules.get(name)
    return isinstance(module, DeferredModule) and module.__dict__["_deferred_real"] is None
