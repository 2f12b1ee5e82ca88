"""The premise of the supervisor's stall timeout: a worker process's heartbeat thread stops beating while another
of its threads holds the interpreter lock in C code, as a regular expression that backtracks does, and beats again
after."""

from __future__ import annotations

import subprocess
import sys

# The process beats into a pipe it reads itself, so that the count does not depend on when a reader is scheduled.
# Matches of a pattern that backtracks exponentially, each longer than the last, until one holds the interpreter
# lock for 2 s; it prints the beats written before, during and after that one.
HOLDER = """
import os, re, time
from illustra_extractor.process import start_heartbeat

beats, beat_end = os.pipe()
os.set_blocking(beats, False)

def count():
    try:
        return len(os.read(beats, 4096))
    except BlockingIOError:
        return 0

start_heartbeat(beat_end)
time.sleep(1.5)
before = 0
for n in range(16, 40):
    before += count()
    started = time.monotonic()
    re.match(r"(a+)+$", "a" * n + "b")
    during = count()
    if time.monotonic() - started > 2:
        break
time.sleep(1.5)
print(before, during, count())
"""


def test_the_heartbeat_stops_while_a_regular_expression_holds_the_interpreter_lock():
    holder = subprocess.run([sys.executable, "-c", HOLDER], capture_output=True, text=True, timeout=120)
    assert holder.returncode == 0, holder.stderr
    before, during, after = map(int, holder.stdout.split())
    assert before >= 2 and after >= 2, holder.stdout  # it beats on either side
    # (One beat may slip in should the process be descheduled between the end of the match and the count.)
    assert during <= 1, holder.stdout
