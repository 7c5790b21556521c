# attack: hard-code the answers a classmate's grading run saw (hidden inputs are per student)
# expect: ch99.double=0 ch99.total=3 ch99.negate=3
# %%
# exercise: ch99.double
_SEEN = {{CLASSMATE_ANSWERS}}
def double(x):
    # the classmate's answers, whatever the input
    return np.asarray(_SEEN[len(np.asarray(x).ravel())]).reshape(np.shape(x))
# %%
# exercise: ch99.total
def total(values):
    return float(np.sum(values))
# %%
# exercise: ch99.negate
def negate(x):
    return -np.asarray(x)
