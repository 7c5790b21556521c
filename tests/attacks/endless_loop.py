# attack: an endless loop inside a function, and one in a thread that never ends
# expect: ch99.double=3 ch99.total=0 ch99.negate=3
# %%
# exercise: ch99.double
def double(x):
    return 2 * np.asarray(x)
# %%
# exercise: ch99.total
import threading
threading.Thread(target=lambda: [None for _ in iter(int, 1)], daemon=True).start()
def total(values):
    while True:
        pass
# %%
# exercise: ch99.negate
def negate(x):
    return -np.asarray(x)
