# attack: a right answer, then a duplicate of the cell with a wrong one (the last cell counts)
# expect: ch99.double=0 ch99.total=3 ch99.negate=3
# %%
# exercise: ch99.double
def double(x):
    return 2 * np.asarray(x)
# %%
# exercise: ch99.total
def total(values):
    return float(np.sum(values))
# %%
# exercise: ch99.negate
def negate(x):
    return -np.asarray(x)
# %%
# exercise: ch99.double
def double(x):
    return 3 * np.asarray(x)
