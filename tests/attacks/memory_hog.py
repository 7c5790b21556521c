# attack: allocate far more memory than any answer needs
# expect: ch99.double=0 ch99.total=3 ch99.negate=3
# %%
# exercise: ch99.double
def double(x):
    hog = np.ones((1 << 40,), dtype=np.uint8)  # a terabyte
    return 2 * np.asarray(x) + hog[0]
# %%
# exercise: ch99.total
def total(values):
    return float(np.sum(values))
# %%
# exercise: ch99.negate
def negate(x):
    return -np.asarray(x)
