# attack: answers crafted to exhaust the trusted side: a giant header, deep nesting, odd markers
# expect: ch99.double=0 ch99.total=0 ch99.negate=0
# %%
# exercise: ch99.double
# Replace the worker's answer writer: announce a 400 MB JSON header.
import struct
import workbook.grading.worker as _worker

def _giant(writer, message):
    writer.write(struct.pack("!Q", 400 << 20))
    writer.write(b"[[],[]," * 1000)
    writer.flush()

_worker.write_message = _giant
def double(x):
    return 2 * np.asarray(x)
# %%
# exercise: ch99.total
# 200,000 levels of nesting: json.loads recurses out of its stack.
import struct
import workbook.grading.worker as _worker

def _deep(writer, message):
    depth = 200_000
    header = b'{"payload": ' + b"[" * depth + b"]" * depth + b', "sizes": []}'
    writer.write(struct.pack("!Q", len(header)) + header)
    writer.flush()

_worker.write_message = _deep
def total(values):
    return float(np.sum(values))
# %%
# exercise: ch99.negate
# The wire's own markers with the wrong types inside.
import json, struct
import workbook.grading.worker as _worker

def _odd(writer, message):
    header = json.dumps({"payload": {"ok": True, "value": {"__dict__": 1}}, "sizes": []}).encode()
    writer.write(struct.pack("!Q", len(header)) + header)
    writer.flush()

_worker.write_message = _odd
def negate(x):
    return -np.asarray(x)
