# attack: double-fork a stray with a non-UTF-8 process name (which the old kill sweep could not read) that kills every worker it can, for two minutes
# expect: ch99.double=0 ch99.total=3 ch99.negate=3
# %%
# exercise: ch99.double
import ctypes, os, signal, time
def _stray():
    ctypes.CDLL(None).prctl(15, b"\xff\xfe\xfd", 0, 0, 0)  # PR_SET_NAME: not UTF-8
    me = os.getpid()
    until = time.monotonic() + 120
    while time.monotonic() < until:
        for entry in os.listdir("/proc"):
            if entry.isdigit() and int(entry) != me:
                try:
                    with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                        if b"forkserver" in cmdline.read():
                            os.kill(int(entry), signal.SIGKILL)
                except OSError:
                    pass
        time.sleep(0.05)
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        _stray()
    os._exit(0)
time.sleep(0.5)
os._exit(0)  # end this worker: the grader's kill must also end the stray
# %%
# exercise: ch99.total
def total(values):
    return float(np.sum(values))
# %%
# exercise: ch99.negate
def negate(x):
    return -np.asarray(x)
