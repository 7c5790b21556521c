# attack: delete one exercise cell, turn one into markdown, strip metadata from the last
# expect: ch99.double=0 ch99.total=0 ch99.negate=3
# %% [markdown]
# # exercise: ch99.total
# def total(values): return float(np.sum(values))
# %%
# a cell without any exercise id that defines double: not an answer
def double(x):
    return 2 * np.asarray(x)
# %%
# exercise: ch99.negate
def negate(x):
    return -np.asarray(x)
