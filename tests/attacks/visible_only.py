# attack: answer only what the shipped visible check asks (its input shape), with no general implementation
# expect: ch99.double=0 ch99.total=3 ch99.negate=3
# %%
# exercise: ch99.double
def double(x):
    x = np.asarray(x)
    return 2 * x if x.shape == (4,) else x  # right for the visible check's vector only
# %%
# exercise: ch99.total
def total(values):
    return float(np.sum(values))
# %%
# exercise: ch99.negate
def negate(x):
    return -np.asarray(x)
