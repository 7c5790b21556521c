# attack: replace the worker's message reader with one that stops reading at the first large request, so that request fills the pipe and would block the grader's write forever
# expect: ch99.double=0 ch99.total=0 ch99.negate=3
# %%
# exercise: ch99.double
def double(x):
    return x
# %%
# exercise: ch99.total
import io, json, sys, time
import workbook.grading.wire as _wire
def _stop_at_large(stream):
    head = _wire.read_exact(stream, _wire._HEADER.size)
    (size,) = _wire._HEADER.unpack(head)
    header = _wire.read_exact(stream, size)
    sizes = json.loads(header).get("sizes", [])
    if sum(sizes) > (1 << 20):  # the hidden check's 1.6 MB vector: stop reading
        time.sleep(10 ** 6)
    blobs = _wire.read_exact(stream, sum(sizes)) if sizes else b""
    return _wire.read_message(io.BytesIO(head + header + blobs))
sys.modules["workbook.grading.worker"].read_message = _stop_at_large
def total(values):
    return float(np.sum(values))
# %%
# exercise: ch99.negate
def negate(x):
    return -np.asarray(x)
