# attack: patch numpy's and torch's comparison helpers so every comparison passes
# expect: ch99.double=0 ch99.total=3 ch99.negate=3
# %%
# exercise: ch99.double
import numpy as _np
import torch as _torch
for _name in ("allclose", "array_equal", "array_equiv"):
    setattr(_np, _name, lambda *a, **k: True)
_np.isclose = lambda a, b, *r, **k: _np.ones(_np.broadcast(a, b).shape, dtype=bool)
_np.testing.assert_allclose = lambda *a, **k: None
_torch.allclose = lambda *a, **k: True
def double(x):
    return x  # wrong
# %%
# exercise: ch99.total
def total(values):
    return float(np.sum(values))
# %%
# exercise: ch99.negate
def negate(x):
    return -np.asarray(x)
