"""Answers per second of a trivial Python callable through sceval.run on the income grid
(1,920 points + 1,920 follow-ups): no cache, a fresh cache, all from the cache.

    PYTHONPATH=build/python python3 python/bench_callable.py
"""
import time, json, sceval
t = sceval.load_task("income")
n = [0]
def trivial(convs):
    n[0] += len(convs)
    return ['{"answer": "Below $50,000"}' if len(c) == 1 else '{"age": "30", "education": "Bachelor\'s degree"}' for c in convs]
t0 = time.perf_counter()
r = sceval.run(t, trivial, no_cache=True, progress=False, bootstrap=0)
dt = time.perf_counter() - t0
print(f"no_cache: {n[0]} answers in {dt:.2f} s = {n[0]/dt:.0f} answers/s (requests {r.requests})")
import tempfile, os
d = tempfile.mkdtemp(); n[0]=0
t0 = time.perf_counter()
r = sceval.run(t, trivial, cache=os.path.join(d, "c.sqlite"), progress=False, bootstrap=0)
dt = time.perf_counter() - t0
print(f"fresh cache: {n[0]} answers in {dt:.2f} s = {n[0]/dt:.0f} answers/s")
t0 = time.perf_counter()
r = sceval.run(t, trivial, cache=os.path.join(d, "c.sqlite"), progress=False, bootstrap=0)
dt = time.perf_counter() - t0
print(f"all cached: {r.requests} requests in {dt:.2f} s ({r.cache_hits} hits)")
