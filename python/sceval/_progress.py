"""A tqdm bar per stage of a run (tqdm.auto: a text bar in a terminal, a widget in Jupyter)."""
from __future__ import annotations

from typing import Any, Dict, Optional


class ProgressBar:
    """Receives the library's progress reports (one dict per chunk and per answer)."""

    def __init__(self) -> None:
        try:
            from tqdm.auto import tqdm
        except ImportError:  # progress is a nicety: run without it (apt-get install python3-tqdm)
            tqdm = None
        self._tqdm = tqdm
        self._bar: Optional[Any] = None
        self._stage: Optional[str] = None

    def update(self, p: Dict[str, Any]) -> None:
        if self._tqdm is None:
            return
        if p["stage"] != self._stage or self._bar is None:
            self.close()
            self._stage = p["stage"]
            self._bar = self._tqdm(total=p["total"], desc=p["stage"], unit="req", leave=True)
        self._bar.total = p["total"]
        self._bar.n = min(p["done"] + p["chunk_done"], p["total"])
        self._bar.set_postfix(cached=p["cache_hits"], failed=p["failures"], refresh=False)
        self._bar.refresh()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
