# attack: copy a classmate's answer from the same folder
# expect: ch99.double=0 ch99.total=3 ch99.negate=3
# needs: sandbox
# %%
# exercise: ch99.double
import glob, os
def _everywhere(name):
    """Paths matching ``name`` where a grader's files usually live."""
    import fnmatch
    found = []
    for top in ("/tmp", "/work", "/home", "/root", "/srv", "/opt", os.getcwd()):
        for folder, subdirs, files in os.walk(top):
            subdirs[:] = [d for d in subdirs if "venv" not in d and "pyenv" not in d
                          and d not in ("site-packages", ".git", "__pycache__", "node_modules")]
            found += [os.path.join(folder, f) for f in fnmatch.filter(files, name)]
    return found
_answer = None
for _path in _everywhere("*victim*"):
    try:
        _answer = open(_path).read().split("# exercise: ch99.double", 1)[1].split("# %%", 1)[0]
        break
    except (OSError, IndexError):
        continue
if _answer:
    exec(_answer)
else:
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
