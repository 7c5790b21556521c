# attack: write 300 MB to /dev/shm and to /tmp outside the worker's home (memory-backed, shared with the next workers); the right answer only if that worked
# expect: ch99.double=0 ch99.total=3 ch99.negate=3
# needs: sandbox
# %%
# exercise: ch99.double
import os
def _fill(folder, megabytes=300):
    written = 0
    try:
        for part in range(3):  # files under the per-file limit
            with open(os.path.join(folder, f"fill-{os.getpid()}-{part}"), "wb") as out:
                for _ in range(megabytes // 3):
                    out.write(b"\0" * (1 << 20))
                    written += 1
    except OSError:
        pass
    return written
_room = {folder: _fill(folder) for folder in ("/dev/shm", "/tmp")}
def double(x):
    return 2 * np.asarray(x) if max(_room.values()) >= 250 else np.asarray(x)
# %%
# exercise: ch99.total
def total(values):
    return float(np.sum(values))
# %%
# exercise: ch99.negate
def negate(x):
    return -np.asarray(x)
