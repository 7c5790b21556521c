# attack: leave a file (and fill memory-backed /tmp) in one worker, then look for it from the next
# expect: ch99.double=0 ch99.total=0 ch99.negate=3
# needs: sandbox
# %%
# exercise: ch99.double
# Write a note and 200 MB (under the per-file limit) into this worker's home, then end the worker: the
# grader restarts a fresh worker for the next exercise.
import os
with open("note.txt", "w") as note:
    note.write("the answer is 2 * x")
with open("ballast.bin", "wb") as ballast:
    for _ in range(200):
        ballast.write(b"\0" * (1 << 20))
os._exit(0)
# %%
# exercise: ch99.total
# The right answer only if something of the earlier worker survived: its
# home, its note, or the memory its files took.
import glob, os
def _leftovers():
    mine = os.path.realpath(os.getcwd())
    others = [p for p in glob.glob("/tmp/worker-*") if os.path.realpath(p) != mine]
    stats = os.statvfs("/tmp")
    used = (stats.f_blocks - stats.f_bfree) * stats.f_frsize
    return bool(others) or used > (100 << 20)

def total(values):
    return float(np.sum(values)) if _leftovers() else -1.0
# %%
# exercise: ch99.negate
def negate(x):
    return -np.asarray(x)
