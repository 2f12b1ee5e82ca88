"""Memory probe for the extractor's worker processes, loaded by Python itself (``sitecustomize``) when this folder
is on PYTHONPATH: ``bench/llm_scale.py --memprobe`` puts it there, so no diagnostic code lives in the services.

In a process started as ``-m illustra_extractor.process`` it starts a thread that every ``MEMPROBE_INTERVAL_S``
(default 30) appends to ``MEMPROBE_DIR/<pid>.log``: RSS split into anonymous and file-backed memory
(``/proc/self/smaps_rollup``), the count of threads, the objects the garbage collector tracks by type (the types
that grew most since the second report, after the start-up), and with ``MEMPROBE_TRACEMALLOC=N`` (frames kept per
allocation) the Python allocations that grew most since the second report, by traceback (the garbage collector
does not track strings and bytes: tracemalloc sees them). ``MEMPROBE_TRIM=1`` calls glibc's
``malloc_trim(0)`` before each report and prints what it gave back: memory malloc_trim returns is free memory the
allocator kept (fragmentation), not live objects. Each report also gives glibc's own account (``mallinfo2``: the
bytes its arenas hold, in use and free; ``mmapped``, its large blocks) and the blocks Python's small-object
allocator has handed out (``sys.getallocatedblocks``). ``MEMPROBE_TRIM=even`` trims only in the processes whose pid
is even: of a pod's two workers (consecutive pids) one trims and the other does not, under the same load.
``MEMPROBE_ARENA_MAX_EVEN=N`` likewise gives the even one at most N malloc arenas (``mallopt(M_ARENA_MAX)``, as
``MALLOC_ARENA_MAX`` would), and ``MEMPROBE_MMAP_THRESHOLD_EVEN=BYTES`` a fixed threshold above which malloc
maps each block on its own and unmaps it when freed (``MALLOC_MMAP_THRESHOLD_``).

``bench/memprobe/series.py DIR`` prints each process's RSS series from the reports side by side."""

from __future__ import annotations

import os


def _report_loop(directory: str, interval_s: float, frames: int, trim: bool) -> None:
    import collections
    import ctypes
    import gc
    import itertools
    import sys
    import threading
    import time
    import tracemalloc

    def rollup() -> dict[str, int]:
        values = {}
        with open("/proc/self/smaps_rollup") as smaps:
            for line in smaps:
                parts = line.split()
                if len(parts) == 3 and parts[2] == "kB":
                    values[parts[0].rstrip(":")] = int(parts[1])
        return values

    def type_counts() -> collections.Counter[str]:
        return collections.Counter(type(o).__qualname__ for o in gc.get_objects())

    class Mallinfo2(ctypes.Structure):
        _fields_ = [
            (name, ctypes.c_size_t)
            for name in (
                *("arena", "ordblks", "smblks", "hblks", "hblkhd"),
                *("usmblks", "fsmblks", "uordblks", "fordblks", "keepcost"),
            )
        ]

    glibc = ctypes.CDLL("libc.so.6")
    glibc.mallinfo2.restype = Mallinfo2
    libc = glibc if trim else None
    path = os.path.join(directory, f"{os.getpid()}.log")
    first_types: collections.Counter[str] | None = None
    first_snapshot = None
    start = time.monotonic()
    for report in itertools.count(1):
        time.sleep(interval_s)
        lines = [f"--- t={time.monotonic() - start:.0f}s at {time.strftime('%H:%M:%S')}"]
        if libc is not None:
            before, started = rollup()["Rss"], time.perf_counter()
            libc.malloc_trim(0)
            took_ms = 1000 * (time.perf_counter() - started)
            lines.append(
                f"malloc_trim gave back {(before - rollup()['Rss']) / 1024:.1f} MiB in {took_ms:.0f} ms"
            )
        memory = rollup()
        lines.append(
            f"rss={memory['Rss'] / 1024:.1f} MiB anon={memory['Anonymous'] / 1024:.1f} MiB"
            f" file={(memory['Rss'] - memory['Anonymous']) / 1024:.1f} MiB threads={threading.active_count()}"
        )
        info = glibc.mallinfo2()
        lines.append(
            f"glibc arenas={info.arena / 2**20:.1f} MiB in use={info.uordblks / 2**20:.1f} MiB"
            f" free={info.fordblks / 2**20:.1f} MiB mmapped={info.hblkhd / 2**20:.1f} MiB"
            f" python blocks={sys.getallocatedblocks()}"
        )
        types = type_counts()
        lines.append(f"gc objects={sum(types.values())}")
        if report <= 2:
            first_types = types
        elif first_types is not None:
            growth = sorted(((types[t] - first_types[t], t) for t in types), reverse=True)[:12]
            lines.extend(f"  +{n} {t} (now {types[t]})" for n, t in growth if n > 0)
        del types
        if frames:
            traced, peak = tracemalloc.get_traced_memory()
            lines.append(f"tracemalloc current={traced / 2**20:.1f} MiB peak={peak / 2**20:.1f} MiB")
            snapshot = tracemalloc.take_snapshot().filter_traces(
                [tracemalloc.Filter(False, tracemalloc.__file__), tracemalloc.Filter(False, __file__)]
            )
            if report <= 2:
                first_snapshot = snapshot
            elif first_snapshot is not None:
                for stat in snapshot.compare_to(first_snapshot, "traceback")[:10]:
                    lines.append(f"  {stat.size_diff / 1024:+.0f} KiB {stat.count_diff:+d} blocks:")
                    lines.extend(f"      {line}" for line in stat.traceback.format(most_recent_first=True))
            del snapshot
        with open(path, "a") as log:
            log.write("\n".join(lines) + "\n")


def _start() -> None:
    directory = os.environ.get("MEMPROBE_DIR")
    if not directory:
        return
    with open("/proc/self/cmdline", "rb") as cmdline:
        if b"illustra_extractor.process" not in cmdline.read():
            return
    import threading
    import tracemalloc

    if os.getpid() % 2 == 0:
        import ctypes

        # malloc.h: M_ARENA_MAX, M_MMAP_THRESHOLD
        for option, variable in ((-8, "MEMPROBE_ARENA_MAX_EVEN"), (-3, "MEMPROBE_MMAP_THRESHOLD_EVEN")):
            if os.environ.get(variable):
                ctypes.CDLL("libc.so.6").mallopt(option, int(os.environ[variable]))
    frames = int(os.environ.get("MEMPROBE_TRACEMALLOC", "0"))
    if frames:
        tracemalloc.start(frames)
    os.makedirs(directory, exist_ok=True)
    threading.Thread(
        target=_report_loop,
        args=(
            directory,
            float(os.environ.get("MEMPROBE_INTERVAL_S", "30")),
            frames,
            os.environ.get("MEMPROBE_TRIM") == "1"
            or (os.environ.get("MEMPROBE_TRIM") == "even" and os.getpid() % 2 == 0),
        ),
        name="memprobe",
        daemon=True,
    ).start()


_start()
