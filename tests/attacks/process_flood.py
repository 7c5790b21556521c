# attack: start processes until something gives (bounded by the process limit)
# expect: ch99.double=0 ch99.total=3 ch99.negate=3
# needs: sandbox
# %%
# exercise: ch99.double
import os, time
def double(x):
    started = 0
    for _ in range(5000):
        try:
            if os.fork() == 0:
                time.sleep(600)
                os._exit(0)
            started += 1
        except OSError:
            break
    return np.full(np.shape(x), float(started))
# %%
# exercise: ch99.total
def total(values):
    return float(np.sum(values))
# %%
# exercise: ch99.negate
def negate(x):
    return -np.asarray(x)
