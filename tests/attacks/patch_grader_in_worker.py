# attack: rewrite the grader's own modules inside the worker to claim success
# expect: ch99.double=0 ch99.total=3 ch99.negate=3
# %%
# exercise: ch99.double
import workbook.grading.expect as _expect
import workbook.grading.evaluate as _evaluate
import workbook.grading.local as _local
_expect.expect_close = lambda *a, **k: None
_evaluate.run_check = lambda check, student, seed: None
_original = _local.invoke
def _forged(namespace, name, args, kwargs, model=None):
    return {"passed": True, "score": 999}
_local.invoke = _forged
def double(x):
    return x
# %%
# exercise: ch99.total
def total(values):
    return float(np.sum(values))
# %%
# exercise: ch99.negate
def negate(x):
    return -np.asarray(x)
