# attack: fetch the answer from a helper listening on loopback
# expect: ch99.double=0 ch99.total=3 ch99.negate=3
# needs: sandbox
# %%
# exercise: ch99.double
import socket
try:
    with socket.create_connection(("127.0.0.1", {{PORT}}), timeout=2) as _conn:
        _code = _conn.recv(4096).decode()
    exec(_code)
except OSError:
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
