"""What crosses between the trusted grader and the student's worker: data only.

Values are encoded as JSON plus numpy arrays in ``.npy`` format. The trusted
side never unpickles or executes anything it receives: arrays are loaded with
``allow_pickle=False`` and only numeric, boolean and unicode dtypes are
accepted; Keras models arrive as a JSON description plus their weights.

Check authors use two argument markers:

* ``tensor(array, requires_grad=False)`` -- the student's function gets a
  torch tensor instead of a numpy array;
* ``fixture("name")`` -- the student's function gets a function from
  ``workbook.grading.fixtures`` (functions cannot cross as data).
"""

from __future__ import annotations

import io
import json
import struct
from dataclasses import dataclass, field
from typing import Any, BinaryIO

import numpy as np

ALLOWED_DTYPE_KINDS = set("biufcU")
# Limits on what the trusted side will parse. JSON costs far more memory
# parsed than sent (a 150 MB header of empty lists took 7 GB), so the JSON
# part is kept small; bulk data travels as arrays, bounded in bytes and count.
MAX_HEADER_BYTES = 4 * 1024 * 1024
MAX_ARRAY_BYTES = 256 * 1024 * 1024
MAX_ARRAYS = 4096
_HEADER = struct.Struct("!Q")


class WireError(ValueError):
    """A message or value that the protocol does not allow."""


# ---------------------------------------------------------------- markers


def tensor(array, requires_grad: bool = False) -> dict:
    """Pass ``array`` to the student's function as a torch tensor."""
    return {"__tensor__": np.asarray(array), "requires_grad": bool(requires_grad)}


def fixture(name: str) -> dict:
    """Pass the function ``workbook.grading.fixtures.<name>``."""
    if not name.isidentifier():
        raise ValueError(f"bad fixture name {name!r}")
    return {"__fixture__": name}


@dataclass
class ModelInfo:
    """A Keras model or layer as the grader sees it: description and weights."""

    class_name: str
    functional: bool
    layers: list[dict]
    count_params: int
    input_shape: Any
    output_shape: Any
    weights: list[np.ndarray] = field(default_factory=list)
    weight_names: list[str] = field(default_factory=list)
    trainable_count: int = 0
    losses: list[np.ndarray] = field(default_factory=list)
    outputs: Any = None

    def layer_classes(self) -> list[str]:
        return [layer["class_name"] for layer in self.layers]

    def layers_built_on(self, keras_class: str) -> list[dict]:
        """The layers of that Keras class or of a subclass of it."""
        return [layer for layer in self.layers
                if layer["class_name"] == keras_class
                or keras_class in (layer.get("keras_bases") or [])]


# ---------------------------------------------- encoding (either side)


def encode(value: Any) -> tuple[Any, list[np.ndarray]]:
    """Turn plain data (with arrays and ModelInfo) into JSON + array list."""
    arrays: list[np.ndarray] = []

    def walk(v):
        if v is None or isinstance(v, (bool, str)):
            return v
        if isinstance(v, (int, float)):
            if isinstance(v, float) and not np.isfinite(v):
                return {"__float__": repr(v)}
            return v
        if isinstance(v, np.generic):
            return walk(v.item())
        if isinstance(v, np.ndarray):
            if v.dtype.kind not in ALLOWED_DTYPE_KINDS:
                raise WireError(f"arrays of dtype {v.dtype} cannot be sent")
            arrays.append(np.ascontiguousarray(v))
            return {"__array__": len(arrays) - 1}
        if isinstance(v, ModelInfo):
            fields = dict(v.__dict__)
            fields["weights"] = [walk(w) for w in v.weights]
            fields["losses"] = [walk(x) for x in v.losses]
            fields["outputs"] = walk(v.outputs)
            return {"__model__": fields}
        if isinstance(v, tuple):
            return {"__tuple__": [walk(x) for x in v]}
        if isinstance(v, list):
            return [walk(x) for x in v]
        if isinstance(v, dict):
            if not all(isinstance(k, str) for k in v):
                raise WireError("dict keys must be strings")
            if any(k.startswith("__") and k.endswith("__") for k in v):
                return {"__dict__": {k: walk(x) for k, x in v.items()}}
            return {k: walk(x) for k, x in v.items()}
        raise WireError(f"cannot send a value of type {type(v).__name__}")

    return walk(value), arrays


def decode(payload: Any, arrays: list[np.ndarray]) -> Any:
    """The inverse of ``encode``; builds only numbers, strings, arrays,
    lists, tuples, dicts and ModelInfo objects."""

    def walk(v):
        if isinstance(v, list):
            return [walk(x) for x in v]
        if not isinstance(v, dict):
            return v
        if "__array__" in v:
            index = v["__array__"]
            if not isinstance(index, int) or not 0 <= index < len(arrays):
                raise WireError("array reference out of range")
            return arrays[index]
        if "__float__" in v:
            return float(v["__float__"])
        if "__tuple__" in v:
            return tuple(walk(x) for x in v["__tuple__"])
        if "__dict__" in v:
            return {str(k): walk(x) for k, x in v["__dict__"].items()}
        if "__model__" in v:
            fields = {k: walk(x) for k, x in v["__model__"].items()}
            known = ModelInfo.__dataclass_fields__
            return ModelInfo(**{k: x for k, x in fields.items() if k in known})
        if "__tensor__" in v or "__fixture__" in v:
            return {k: walk(x) for k, x in v.items()}
        return {str(k): walk(x) for k, x in v.items()}

    return walk(payload)


# --------------------------------------------------------- framing


def write_message(stream: BinaryIO, message: dict) -> None:
    payload, arrays = encode(message)
    blobs = []
    for array in arrays:
        buffer = io.BytesIO()
        np.save(buffer, array, allow_pickle=False)
        blobs.append(buffer.getvalue())
    header = json.dumps({"payload": payload, "sizes": [len(b) for b in blobs]}).encode()
    stream.write(_HEADER.pack(len(header)))
    stream.write(header)
    for blob in blobs:
        stream.write(blob)
    stream.flush()


def read_exact(stream: BinaryIO, size: int) -> bytes:
    chunks, remaining = [], size
    while remaining:
        chunk = stream.read(remaining)
        if not chunk:
            raise EOFError("the other side closed the connection")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def read_message(stream: BinaryIO) -> dict:
    (header_size,) = _HEADER.unpack(read_exact(stream, _HEADER.size))
    if header_size > MAX_HEADER_BYTES:
        raise WireError(f"message header of {header_size} bytes (at most {MAX_HEADER_BYTES})")
    header = json.loads(read_exact(stream, header_size))
    if not isinstance(header, dict):
        raise WireError("a message header must be a JSON object")
    sizes = header.get("sizes", [])
    if (not isinstance(sizes, list) or len(sizes) > MAX_ARRAYS
            or not all(isinstance(size, int) and size >= 0 for size in sizes)):
        raise WireError(f"bad array list (at most {MAX_ARRAYS} arrays)")
    if sum(sizes) > MAX_ARRAY_BYTES:
        raise WireError(f"arrays of {sum(sizes)} bytes in one message (at most {MAX_ARRAY_BYTES})")
    arrays = []
    for size in sizes:
        array = np.load(io.BytesIO(read_exact(stream, int(size))), allow_pickle=False)
        if array.dtype.kind not in ALLOWED_DTYPE_KINDS:
            raise WireError(f"arrays of dtype {array.dtype} are not accepted")
        arrays.append(array)
    message = decode(header["payload"], arrays)
    if not isinstance(message, dict):
        raise WireError("a message must be a JSON object")
    return message
