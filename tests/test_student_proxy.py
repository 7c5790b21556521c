"""What the student proxy does for checks, in-process and in the grader's
worker alike (issue 10):

* before every check the student's random state is reseeded from the grading
  secret, the student, the exercise and the check (class 1): a check that
  samples the student's random initializer sees a different draw for every
  secret and check, and the same draw again for the same secret;
* ``student.gradient`` returns a result with its gradient with respect to
  the argument tensors that require one (class 5: "use keras.ops so that
  autograd can differentiate it"), None where the student left the graph.
"""

import time

import numpy as np
import pytest

from workbook.grading.api import Check
from workbook.grading.evaluate import check_seed, run_check, student_seed
from workbook.grading.local import LocalStudent
from workbook.grading.runner import RemoteStudent
from workbook.grading.session import ForkServerHandle, WorkerSession
from workbook.grading.wire import tensor

# The chapter's own set_seed(42) runs first: without the reseed every check
# would see the same draw after it.
SOURCE = """
import keras
keras.utils.set_random_seed(42)

def initial_weights():
    return keras.initializers.RandomNormal(stddev=1.0)((6,))

def half_square(w):
    return keras.ops.sum(w * w) / 2

def half_square_in_numpy(w):
    w = keras.ops.convert_to_numpy(w)
    return (w * w).sum() / 2

def squares(w):
    return w * w
"""
EXERCISE = "ch99.init"


def _sampling_check(name: str, draws: list) -> Check:
    def sample(student, rng):
        draws.append(np.asarray(student.call("initial_weights")))

    return Check(EXERCISE, name, sample, 1.0, "hidden", "samples the initializer")


def _draws(student, salts, name="sample"):
    """One draw per salt, each through run_check as the grader runs it."""
    draws: list = []
    for salt in salts:
        result = run_check(_sampling_check(name, draws), student, check_seed(EXERCISE, salt))
        assert result.passed, result.detail
    return draws


def _assert_reseeded(student):
    a, b, a_again, c = _draws(student, ["secret-1:alice", "secret-2:alice", "secret-1:alice",
                                        "secret-1:bob"])
    assert not np.allclose(a, b), "two secrets saw the same draw"
    assert not np.allclose(a, c), "two students saw the same draw"
    np.testing.assert_array_equal(a, a_again)
    (other_check,) = _draws(student, ["secret-1:alice"], name="another_check")
    assert not np.allclose(a, other_check), "two checks shared a draw"


def _local_student():
    namespace = {"__name__": "__main__"}
    exec(SOURCE, namespace)
    return LocalStudent(namespace)


def test_local_student_is_reseeded_per_secret_student_and_check():
    _assert_reseeded(_local_student())


def test_a_check_may_reseed_for_independent_draws():
    student = _local_student()
    student.reseed(7)
    first = student.call("initial_weights")
    student.reseed(7)
    np.testing.assert_array_equal(first, student.call("initial_weights"))
    student.reseed(8)
    assert not np.allclose(first, student.call("initial_weights"))


def test_student_seed_is_a_numpy_seed_and_depends_on_the_check():
    seed = check_seed(EXERCISE, "salt")
    assert 0 <= student_seed(seed, "a") < 2**32
    assert student_seed(seed, "a") != student_seed(seed, "b")
    assert student_seed(seed, "a") == student_seed(seed, "a")


@pytest.mark.parametrize("bad", [-1, 2**32, 1.5, "3", True])
def test_bad_seed_is_refused_in_one_line(bad):
    from workbook.grading.api import StudentError

    with pytest.raises(StudentError, match="seed must be an integer"):
        _local_student().reseed(bad)


def _assert_gradients(student):
    w = np.array([[1.0, -2.0], [0.5, 3.0]])
    value, (grad,) = student.gradient("half_square", tensor(w, requires_grad=True))
    np.testing.assert_allclose(value, 7.125, rtol=1e-6)
    np.testing.assert_allclose(grad, w, rtol=1e-6)
    value, (grad,) = student.gradient("half_square_in_numpy", tensor(w, requires_grad=True))
    np.testing.assert_allclose(value, 7.125, rtol=1e-6)
    assert grad is None, "a NumPy result has no gradient"
    weights = np.array([[2.0, 0.0], [-1.0, 1.0]])
    _, (grad,) = student.gradient("squares", tensor(w, requires_grad=True), cotangent=weights)
    np.testing.assert_allclose(grad, 2 * w * weights, rtol=1e-6)
    _, grads = student.gradient("half_square", tensor(w))
    assert grads == [], "no argument asked for a gradient"


def test_local_student_returns_gradients_of_keras_ops_results_only():
    _assert_gradients(_local_student())


@pytest.mark.slow
@pytest.mark.parametrize("isolation", ["process", "auto"])  # auto: bubblewrap where installed
def test_grader_worker_reseeds_and_returns_gradients(isolation):
    server = ForkServerHandle(isolation=isolation)
    session = WorkerSession(server)
    try:
        server.start()
        session.start()
        answer = session.request({"op": "exec", "source": SOURCE, "label": "cell"}, 60)
        assert answer["ok"], answer
        student = RemoteStudent(session, time.monotonic() + 120)
        _assert_reseeded(student)
        _assert_gradients(student)
    finally:
        session.cleanup()
        server.cleanup()
