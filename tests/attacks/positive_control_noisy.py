# attack: none -- a correct submission that prints to stderr and raises warnings
# expect: ch99.double=3 ch99.total=3 ch99.negate=3
# %%
# exercise: ch99.double
import sys, warnings
print("noise on stderr", file=sys.stderr)
warnings.warn("a warning at definition time")
def double(x):
    warnings.warn("careful: doubling", RuntimeWarning)
    print("doubling", x, file=sys.stderr)
    return 2 * np.asarray(x)
# %%
# exercise: ch99.total
def total(values):
    import warnings
    warnings.warn("deprecated-ish", DeprecationWarning)
    return float(np.sum(values))
# %%
# exercise: ch99.negate
def negate(x):
    return -np.asarray(x)
