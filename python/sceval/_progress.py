"""Progress of a run, per stage: a tqdm bar where someone watches (a terminal: text; Jupyter: a
widget), else plain lines, rarely (a log file or CI gets no carriage-return frames)."""
from __future__ import annotations

import sys
import time
from typing import Any, Dict, Optional, TextIO


def _in_notebook() -> bool:
    ip = sys.modules.get("IPython")
    shell = ip.get_ipython() if ip is not None and hasattr(ip, "get_ipython") else None
    return shell is not None and "IPKernelApp" in getattr(shell, "config", {})


def _interactive(stream: TextIO) -> bool:
    try:
        return stream.isatty() or _in_notebook()
    except (AttributeError, ValueError):  # a closed or unusual stream
        return False


class ProgressBar:
    """Receives the library's progress reports (one dict per chunk and per answer). The counts it
    shows are the stage's own: the library's cache hits and failures run on across stages."""

    def __init__(self, stream: Optional[TextIO] = None, interval_s: float = 10.0) -> None:
        self._stream = stream if stream is not None else sys.stderr
        self._tqdm = None
        if _interactive(self._stream):
            try:
                from tqdm.auto import tqdm
                self._tqdm = tqdm
            except ImportError:  # no tqdm (apt-get install python3-tqdm): plain lines
                pass
        self._interval = interval_s
        self._bar: Optional[Any] = None
        self._stage: Optional[str] = None
        self._base = (0, 0)  # cache hits, failures when the stage began
        self._started = self._shown = 0.0
        self._final_shown = False

    def update(self, p: Dict[str, Any]) -> None:
        if p["stage"] != self._stage:
            self.close()
            self._stage = p["stage"]
            self._base = (p["cache_hits"], p["failures"])
            self._started = self._shown = time.monotonic()
            self._final_shown = False
            if self._tqdm is not None:
                self._bar = self._tqdm(total=p["total"], desc=p["stage"], unit="req", leave=True, file=self._stream)
        done = min(p["done"] + p["chunk_done"], p["total"])
        hits, failed = p["cache_hits"] - self._base[0], p["failures"] - self._base[1]
        if self._bar is not None:
            self._bar.total = p["total"]
            self._bar.n = done
            self._bar.set_postfix(cached=hits, failed=failed, refresh=False)
            self._bar.refresh()
            return
        now = time.monotonic()
        final = done >= p["total"]
        if self._final_shown or (not final and now - self._shown < self._interval):
            return  # a stage's last line once; others at most every interval_s
        self._shown, self._final_shown = now, final
        elapsed = now - self._started
        rate = done / elapsed if elapsed > 0 else 0.0
        pct = 100.0 * done / p["total"] if p["total"] else 100.0
        print(f"{p['stage']} {done}/{p['total']} ({pct:.0f}%) {rate:.1f}/s | cache hits {hits} | failed {failed}",
              file=self._stream, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
