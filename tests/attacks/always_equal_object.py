# attack: return an object whose __eq__ is always true and that pretends to be an array
# expect: ch99.double=0 ch99.total=3 ch99.negate=3
# %%
# exercise: ch99.double
class Anything:
    shape = ()
    dtype = "float64"
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __array__(self, *a, **k): raise TypeError("no")
def double(x):
    return Anything()
# %%
# exercise: ch99.total
def total(values):
    return float(np.sum(values))
# %%
# exercise: ch99.negate
def negate(x):
    return -np.asarray(x)
