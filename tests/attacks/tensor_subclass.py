# attack: tensor and ndarray subclasses whose comparisons always succeed
# expect: ch99.double=0 ch99.total=0 ch99.negate=3
# %%
# exercise: ch99.double
import torch as _torch
class LyingTensor(_torch.Tensor):
    def __eq__(self, other): return _torch.ones((), dtype=_torch.bool)
    def allclose(self, *a, **k): return True
def double(x):
    return _torch.zeros(len(x)).as_subclass(LyingTensor)
# %%
# exercise: ch99.total
class LyingArray(np.ndarray):
    def __eq__(self, other): return np.ones_like(self, dtype=bool)
    def __array_finalize__(self, obj): pass
def total(values):
    return np.zeros(()).view(LyingArray)
# %%
# exercise: ch99.negate
def negate(x):
    return -np.asarray(x)
