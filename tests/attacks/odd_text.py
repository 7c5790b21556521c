# attack: error text with lone surrogates, which UTF-8 cannot encode, to break the reports
# expect: ch99.double=0 ch99.total=3 ch99.negate=3
# %%
# exercise: ch99.double
def double(x):
    raise ValueError("no answer \ud800\udfff here")
# %%
# exercise: ch99.total
import warnings
def total(values):
    warnings.warn("odd \udcff text", UserWarning)
    return float(np.sum(values))
# %%
# exercise: ch99.negate
def negate(x):
    return -np.asarray(x)
