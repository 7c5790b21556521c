# attack: overwrite gradebooks, results and a file outside the output folder, now and later
# expect: ch99.double=0 ch99.total=3 ch99.negate=3
# needs: sandbox
# %%
# exercise: ch99.double
import glob, json, os, time
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

def _tamper():
    for path in _everywhere("gradebook.csv"):
        open(path, "a").write("write_results,ch99,9,9,3,3,3,\n")
    for path in _everywhere("results.json"):
        open(path, "w").write(json.dumps({"score": 999}))
    try:
        open("{{CANARY}}", "w").write("tampered")
    except OSError:
        pass

_tamper()
if os.fork() == 0:  # a detached writer that outlives the worker
    os.setsid()
    if os.fork() == 0:
        for _ in range(40):
            time.sleep(0.5)
            _tamper()
    os._exit(0)

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
