"""Models are rebuilt from their serialized config where no student code runs
(grading.inspect_model), and source checks read the grader's own copy."""

import json

import keras
import numpy as np
import pytest

from workbook.grading.api import StudentError
from workbook.grading.convert import UnreadableResult, serialize_model
from workbook.grading.inspect_model import SERIALIZED_MARK, inspect_serialized
from workbook.grading.runner import RemoteStudent
from workbook.grading.source_check import forbidden_uses
from workbook.grading.wire import ModelInfo


def _linear(d):
    features = keras.Input((d,))
    return keras.Model(features, keras.layers.Dense(1)(features))


def test_outputs_come_from_the_rebuilt_model_not_from_the_sender():
    serialized = serialize_model(_linear(3))
    serialized["weights"] = [np.full((3, 1), 99.0, np.float32), np.zeros(1, np.float32)]
    w, b = np.ones((3, 1), np.float32), np.array([2.0], np.float32)
    X = np.arange(6, dtype=np.float32).reshape(2, 3)
    info = inspect_serialized(serialized, inputs=X, set_weights=[w, b])
    assert info.rebuilt and info.custom_classes == []
    assert "claims" not in serialized  # only Keras' own classes: nothing to claim
    np.testing.assert_allclose(info.outputs, X @ w + b)


def test_nested_layers_are_found():
    inner = _linear(4)
    features = keras.Input((4,))
    outer = keras.Model(features, keras.layers.ReLU()(inner(features)))
    info = inspect_serialized(serialize_model(outer))
    assert "Dense" not in info.layer_classes()
    assert [layer["class_name"] for layer in info.layers_built_on("Dense")] == ["Dense"]


def test_a_config_naming_another_module_is_never_deserialized(tmp_path):
    target = tmp_path / "touched"
    config = {"module": "subprocess", "class_name": "Popen",
              "config": {"args": ["touch", str(target)]}, "registered_name": None}
    with pytest.raises(UnreadableResult, match="no description"):
        inspect_serialized({SERIALIZED_MARK: 1, "config": json.dumps(config), "weights": []})
    assert not target.exists()


def test_a_lambda_layer_is_never_deserialized():
    features = keras.Input((2,))
    model = keras.Model(features, keras.layers.Lambda(lambda x: x * 2)(features))
    info = inspect_serialized(serialize_model(model))
    assert not info.rebuilt and info.custom_classes == ["Lambda"]
    serialized = serialize_model(model)
    del serialized["claims"]
    with pytest.raises(UnreadableResult, match="no description"):
        inspect_serialized(serialized)


def test_a_student_layer_is_described_but_marked_not_rebuilt():
    class Wrapper(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.inner = keras.layers.Dense(1)

        def call(self, x):
            return self.inner(x)

    features = keras.Input((3,))
    model = keras.Model(features, Wrapper()(features))
    info = inspect_serialized(serialize_model(model, inputs=np.ones((2, 3), np.float32)))
    assert not info.rebuilt and info.custom_classes == ["Wrapper"]
    assert info.layers_built_on("Dense")  # the sublayer it tracks
    assert info.outputs.shape == (2, 1)


class _Session:
    def __init__(self, value):
        self.value = value

    def request(self, request, timeout):
        return {"ok": True, "value": self.value}


def test_a_model_description_from_the_worker_is_refused():
    forged = ModelInfo("Functional", True, [], 4, None, None, rebuilt=True)
    student = RemoteStudent(_Session({"nested": [forged]}), deadline=float("inf"))
    with pytest.raises(StudentError, match="rebuilds models itself"):
        student.model("build", inputs=None)


SOLUTION = '''
class LinearScratch(keras.layers.Layer):
    """X @ W + b."""
    def call(self, X):
        return ops.matmul(X, self.W) + self.b
'''


@pytest.mark.parametrize("source,found", [
    (SOLUTION, []),
    ("class L(keras.layers.Layer):\n    def build(self, s):\n        self.d = keras.layers.Dense(1)\n",
     ["Dense (line 3)"]),
    ("from keras.layers import Dense as D\n", ["Dense (line 1)"]),
    ("from workbook.Dense import helper as h\n", ["Dense (line 1)"]),  # the module imported from
    ("x = getattr(keras.layers, 'De' + 'nse')\n", ["getattr (line 1)"]),
    ("name = 'Dense'\n", ["'Dense' in a string (line 1)"]),
    # a docstring is inert: naming the layer there uses nothing ...
    ('def build():\n    """One Dense layer, written by hand."""\n    return 1\n', []),
    # ... and reading it back to look the name up is flagged
    ('def build():\n    "Dense"\n    return keras.layers.__getattr__(build.__doc__)\n',
     ["__getattr__ (line 3)", "__doc__ (line 3)"]),
    ("keras.layers.__dict__['De' + 'nse']\n", ["__dict__ (line 1)"]),
])
def test_forbidden_names_in_the_exercise_source(source, found):
    assert forbidden_uses({"ch03.x": source}, "ch03.x", ["Dense"]) == found


@pytest.mark.parametrize("source,found", [
    ("def f(A, B):\n    return ops.sum(A[:, :, None] * B[None], axis=1)\n", []),
    ("def f(A, B):\n    return A @ B\n", ["@ (line 2)"]),
    ("def f(A, B):\n    A @= B\n    return A\n", ["@ (line 2)"]),
    ("def f(A, B):\n    return A.__matmul__(B)\n", ["__matmul__ (line 2)"]),
    ("def f(A, B):\n    'user@example.org'\n    return A\n", []),  # "@" in a string is no product
])
def test_the_matrix_product_operator_is_found_where_forbidden(source, found):
    assert forbidden_uses({"ch02.x": source}, "ch02.x", ["@", "__matmul__"]) == found
    assert forbidden_uses({"ch02.x": source}, "ch02.x", ["Dense"]) == []  # only where asked


def test_forbidden_names_in_a_helper_from_another_cell():
    sources = {"ch03.a": "def helper(units):\n    return keras.layers.Dense(units)\n\n\ndef unused():\n    pass\n",
               "ch03.x": "def build():\n    return helper(1)\n"}
    assert forbidden_uses(sources, "ch03.x", ["Dense"]) == ["Dense (line 2)"]
    assert forbidden_uses(sources, "ch03.a", ["Dense"]) == ["Dense (line 2)"]
    assert forbidden_uses({"ch03.a": "x = 1"}, "ch03.x", ["Dense"])[0].startswith("(no source")


def roundtrip_info(info):
    import io

    from workbook.grading.wire import read_message, write_message

    buffer = io.BytesIO()
    write_message(buffer, {"value": info})
    buffer.seek(0)
    return read_message(buffer)["value"]


def _dropout_model(rate):
    features = keras.Input((400,))
    return keras.Model(features, keras.layers.Dropout(rate)(features))


def test_training_outputs_run_dropout_under_the_checks_seed():
    # class 5 (issue 10): Dropout(rate)(x, training=False) never drops; only a
    # training-mode run, which the grader makes on its own rebuilt copy, shows it.
    X = np.ones((10, 400), np.float32)
    serialized = serialize_model(_dropout_model(0.3))
    info = inspect_serialized(serialized, inputs=X, training_seed=7)
    np.testing.assert_array_equal(info.outputs, X)
    dropped = info.outputs_training == 0
    assert 0.25 < dropped.mean() < 0.35
    np.testing.assert_allclose(info.outputs_training[~dropped], 1 / 0.7, rtol=1e-6)
    again = inspect_serialized(serialized, inputs=X, training_seed=7).outputs_training
    other = inspect_serialized(serialized, inputs=X, training_seed=8).outputs_training
    assert np.array_equal(again, info.outputs_training) and not np.array_equal(other, again)
    assert inspect_serialized(serialized, inputs=X).outputs_training is None
    back = roundtrip_info(info)  # the field crosses the wire too
    np.testing.assert_array_equal(back.outputs_training, info.outputs_training)


def test_a_student_layer_claims_its_training_outputs_too():
    class Drop(keras.layers.Layer):
        def call(self, x, training=False):
            return keras.layers.Dropout(0.5)(x, training=training)

    features = keras.Input((400,))
    X = np.ones((10, 400), np.float32)
    info = inspect_serialized(serialize_model(keras.Model(features, Drop()(features)), inputs=X,
                                              training_seed=1))
    assert not info.rebuilt and np.array_equal(info.outputs, X)
    assert 0.4 < (info.outputs_training == 0).mean() < 0.6


def test_both_students_send_the_training_seed_to_the_inspector():
    seen = []

    def inspector(serialized, model, deadline):
        seen.append(model)
        return "described"

    student = RemoteStudent(_Session({SERIALIZED_MARK: 1}), float("inf"), inspector)
    assert student.model("build", inputs=[1.0], training_seed=5) == "described"
    assert seen[-1]["training_seed"] == 5 and seen[-1]["inputs"] == [1.0]
    with pytest.raises(ValueError, match="needs inputs"):
        student.model("build", training_seed=5)


def test_local_student_runs_the_model_in_training_mode():
    from workbook.grading.local import LocalStudent

    student = LocalStudent({"build": lambda: _dropout_model(0.5)})
    X = np.ones((10, 400), np.float32)
    info = student.model("build", inputs=X, training_seed=3)
    assert np.array_equal(info.outputs, X) and 0.4 < (info.outputs_training == 0).mean() < 0.6


def test_source_checks_on_several_threads_never_parse_at_the_same_time(monkeypatch):
    # CPython 3.11's AST constructor keeps its recursion depth per interpreter:
    # concurrent ast.parse calls can raise SystemError (python/cpython#106905).
    import ast
    import threading
    import time

    from workbook.grading import source_check

    real_parse, active, most = ast.parse, [0], [0]
    counter_lock = threading.Lock()

    def slow_parse(source, *args, **kwargs):
        with counter_lock:
            active[0] += 1
            most[0] = max(most[0], active[0])
        time.sleep(0.01)
        with counter_lock:
            active[0] -= 1
        return real_parse(source, *args, **kwargs)

    monkeypatch.setattr(source_check.ast, "parse", slow_parse)
    threads = [threading.Thread(target=forbidden_uses, args=({"ch02.x": "x = 1\n"}, "ch02.x", ["Dense"]))
               for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most[0] == 1


def test_a_spurious_ast_system_error_is_parsed_again(monkeypatch):
    import ast

    from workbook.grading import source_check

    real_parse, calls = ast.parse, []

    def flaky_parse(source, *args, **kwargs):
        calls.append(source)
        if len(calls) == 1:
            raise SystemError("AST constructor recursion depth mismatch (before=3, after=1)")
        return real_parse(source, *args, **kwargs)

    monkeypatch.setattr(source_check.ast, "parse", flaky_parse)
    assert forbidden_uses({"ch02.x": "y = Dense\n"}, "ch02.x", ["Dense"]) == ["Dense (line 1)"]
    assert len(calls) == 2
