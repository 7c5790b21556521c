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
import math
import struct
from dataclasses import dataclass, field
from typing import Any, BinaryIO

import numpy as np

ALLOWED_DTYPE_KINDS = set("biufcU")
# Limits on what the trusted side will parse. JSON costs far more memory
# parsed than sent (a 150 MB header of empty lists took 7 GB), so the JSON
# part is kept small; bulk data travels as arrays, bounded in bytes and count.
MAX_HEADER_BYTES = 4 * 1024 * 1024
MAX_ARRAY_BYTES = 64 * 1024 * 1024
# Checks turn answers into float64 before comparing them, so the element
# count bounds the grader's memory: 8 Mi elements are 64 MiB as float64 (one
# answer of 256 MiB of booleans used to cost 2.3 GiB before its size check).
MAX_ARRAY_ELEMENTS = 8 * 1024 * 1024
MAX_ARRAYS = 4096
MAX_NPY_HEADER = 4096  # np.save writes about 128 bytes
_READ_CHUNK = 1 << 20
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
    # The outputs on the same inputs with training=True (dropout active), run
    # right after seeding Keras' random state, when a check asks for them
    # (``student.model(..., training_seed=s)``); None otherwise.
    outputs_training: Any = None
    # Every layer nested anywhere inside (models in models, layers tracked by
    # layers); ``layers`` holds only the top level.
    all_layers: list[dict] = field(default_factory=list)
    # Whether the grader rebuilt the model from its config where no student
    # code runs (grading.inspect_model). If not, the description and outputs
    # are the worker's claims, and ``custom_classes`` says why.
    rebuilt: bool = False
    custom_classes: list[str] = field(default_factory=list)

    def layer_classes(self) -> list[str]:
        return [layer["class_name"] for layer in self.layers]

    def every_layer(self) -> list[dict]:
        """The top-level layers, then every nested one (each once, by name)."""
        seen = {layer.get("name") for layer in self.layers}
        nested = []
        for layer in self.all_layers:
            if layer.get("name") not in seen:
                seen.add(layer.get("name"))
                nested.append(layer)
        return [*self.layers, *nested]

    def layers_built_on(self, keras_class: str) -> list[dict]:
        """The layers, nested ones included, of that Keras class or a subclass of it."""
        return [layer for layer in self.every_layer()
                if layer.get("class_name") == keras_class
                or keras_class in (layer.get("keras_bases") or [])]


def contains_model_info(value: Any) -> bool:
    """Whether decoded data holds a ModelInfo (only the inspector may send one)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, ModelInfo):
            return True
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    return False


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
            # np.require keeps a 0-d array 0-d (ascontiguousarray makes it (1,)).
            arrays.append(np.require(v, requirements="C"))
            return {"__array__": len(arrays) - 1}
        if isinstance(v, ModelInfo):
            fields = dict(v.__dict__)
            fields["weights"] = [walk(w) for w in v.weights]
            fields["losses"] = [walk(x) for x in v.losses]
            fields["outputs"] = walk(v.outputs)
            fields["outputs_training"] = walk(v.outputs_training)
            fields["all_layers"] = [walk(x) for x in v.all_layers]
            fields["layers"] = [walk(x) for x in v.layers]
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


@dataclass
class _ArrayBudget:
    """What the arrays of one message may still take."""

    bytes: int = MAX_ARRAY_BYTES
    elements: int = MAX_ARRAY_ELEMENTS


def _read_array(stream: BinaryIO, size: int, budget: _ArrayBudget) -> np.ndarray:
    """One ``.npy`` array of ``size`` bytes. Its header (dtype, shape, hence
    byte count) is checked before the body is read, and the body is read
    straight into the array: nothing is allocated that the limits refuse."""
    prefix = read_exact(stream, 8)  # magic and version
    if prefix[:6] != b"\x93NUMPY" or prefix[6] not in (1, 2):
        raise WireError("an array is not in .npy format 1.0 or 2.0")
    length_field = read_exact(stream, 2 if prefix[6] == 1 else 4)
    header_length = int.from_bytes(length_field, "little")
    if header_length > MAX_NPY_HEADER:
        raise WireError(f"an array header of {header_length} bytes (at most {MAX_NPY_HEADER})")
    header = io.BytesIO(prefix + length_field + read_exact(stream, header_length))
    try:
        version = np.lib.format.read_magic(header)
        read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                       else np.lib.format.read_array_header_2_0)
        shape, fortran_order, dtype = read_header(header)
    except ValueError as error:
        raise WireError(f"a bad array header: {error}") from None
    if dtype.kind not in ALLOWED_DTYPE_KINDS or dtype.fields is not None or dtype.hasobject:
        raise WireError(f"arrays of dtype {dtype} are not accepted")
    if not all(isinstance(n, int) and n >= 0 for n in shape):
        raise WireError(f"an array of shape {shape!r}")
    count = math.prod(shape)
    body = count * dtype.itemsize
    if body > budget.bytes or count > budget.elements:
        raise WireError(f"an answer of {count} elements ({body} bytes) is too large "
                        f"(at most {MAX_ARRAY_ELEMENTS} elements, {MAX_ARRAY_BYTES} bytes)")
    if header.tell() + body != size:
        raise WireError("an array's size does not match its header")
    budget.bytes -= body
    budget.elements -= count
    flat = np.empty(count, dtype=dtype)
    raw = flat.view(np.uint8)
    for start in range(0, body, _READ_CHUNK):
        chunk = read_exact(stream, min(_READ_CHUNK, body - start))
        raw[start:start + len(chunk)] = np.frombuffer(chunk, dtype=np.uint8)
    return flat.reshape(shape, order="F" if fortran_order else "C")


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
    if sum(sizes) > MAX_ARRAY_BYTES + len(sizes) * MAX_NPY_HEADER:
        raise WireError(f"arrays of {sum(sizes)} bytes in one message (at most {MAX_ARRAY_BYTES})")
    arrays, budget = [], _ArrayBudget()
    for size in sizes:
        arrays.append(_read_array(stream, size, budget))
    message = decode(header["payload"], arrays)
    if not isinstance(message, dict):
        raise WireError("a message must be a JSON object")
    return message
