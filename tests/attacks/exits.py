# attack: os._exit in one function and sys.exit in another cell; the third is right
# expect: ch99.double=0 ch99.total=0 ch99.negate=3
# %%
# exercise: ch99.double
import os
def double(x):
    os._exit(0)
# %%
# exercise: ch99.total
import sys
sys.exit(0)
# %%
# exercise: ch99.negate
def negate(x):
    return -np.asarray(x)
