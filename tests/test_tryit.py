"""The Try-it feedback helpers: one honest line, no grading."""

import numpy as np
import pytest

from workbook.tryit import compare_choice, compare_prediction


def test_a_missing_prediction_shows_the_measurement_and_says_what_to_do(capsys):
    assert compare_prediction(None, 2.5, what="training MSE") is None
    out = capsys.readouterr().out
    assert "training MSE: 2.5" in out and "prediction" in out


@pytest.mark.parametrize("prediction, expected, word", [(2.6, True, "close"), (3.5, False, "too high"),
                                                        (1.0, False, "too low")])
def test_a_prediction_is_judged_against_the_relative_tolerance(capsys, prediction, expected, word):
    assert compare_prediction(prediction, 2.5, rel_tol=0.1) is expected
    assert word in capsys.readouterr().out


def test_near_zero_measurements_need_an_absolute_tolerance(capsys):
    assert compare_prediction(0.0, 1e-6, rel_tol=0.1) is False
    assert compare_prediction(0.0, 1e-6, abs_tol=1e-3) is True


def test_numpy_and_torch_scalars_are_numbers():
    torch = pytest.importorskip("torch")
    assert compare_prediction(np.float32(1.0), torch.tensor(1.05)) is True


@pytest.mark.parametrize("bad", ["about two", [1.0], float("nan"), True])
def test_a_prediction_that_is_not_a_finite_number_is_a_clear_error(bad):
    with pytest.raises((TypeError, ValueError), match="prediction"):
        compare_prediction(bad, 1.0)


def test_a_choice_is_compared_without_case_or_spaces(capsys):
    assert compare_choice(" Adam ", "adam", options=["sgd", "adam"]) is True
    assert compare_choice("sgd", "adam", options=["sgd", "adam"]) is False
    assert "not it" in capsys.readouterr().out


def test_a_choice_outside_the_options_is_a_typo_not_a_wrong_answer(capsys):
    assert compare_choice("adma", "adam", options=["sgd", "adam"]) is None
    assert "not one of the options" in capsys.readouterr().out
    assert compare_choice(None, 3) is None


def test_a_measurement_outside_the_options_is_the_chapter_authors_error():
    with pytest.raises(ValueError, match="options"):
        compare_choice("sgd", "rmsprop", options=["sgd", "adam"])


def test_whole_numbers_are_shown_in_full(capsys):
    assert compare_prediction(85000, 85002, rel_tol=0.0, abs_tol=0.5) is False
    assert "85002" in capsys.readouterr().out
