"""The workbook helper package: backend guard, profiles, seeding, helpers."""

import subprocess
import sys
import types

import numpy as np
import pytest

from workbook import backend, profiles
from workbook.synthetic import polynomial_data, polynomial_features, synthetic_regression
from workbook.training import k_fold, k_fold_indices, minibatches


def test_backend_guard_rejects_keras_loaded_on_another_backend(monkeypatch):
    fake = types.SimpleNamespace(config=types.SimpleNamespace(backend=lambda: "jax"))
    monkeypatch.setitem(sys.modules, "keras", fake)
    with pytest.raises(backend.BackendError, match="Restart the kernel"):
        backend.ensure_torch_backend()


def test_backend_guard_accepts_torch(monkeypatch):
    fake = types.SimpleNamespace(config=types.SimpleNamespace(backend=lambda: "torch"))
    monkeypatch.setitem(sys.modules, "keras", fake)
    backend.ensure_torch_backend()


def test_backend_guard_in_a_fresh_interpreter():
    code = "import workbook, keras; print(keras.config.backend())"
    env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.stdout.strip() == "torch", out.stderr
    env["KERAS_BACKEND"] = "jax"
    out = subprocess.run([sys.executable, "-c", "import workbook"], capture_output=True, text=True, env=env)
    assert out.returncode != 0 and "KERAS_BACKEND" in out.stderr


def test_profiles(monkeypatch):
    monkeypatch.setenv("WORKBOOK_PROFILE", "full")
    assert profiles.current_profile().pick(tiny=1, default=2, full=3) == 3
    monkeypatch.delenv("WORKBOOK_PROFILE")
    assert profiles.current_profile().name == "default"
    monkeypatch.setenv("WORKBOOK_PROFILE", "huge")
    with pytest.raises(ValueError, match="tiny, default, full"):
        profiles.current_profile()


def test_set_seed_makes_keras_reproducible():
    import keras

    from workbook import set_seed

    def draw():
        set_seed(7)
        return keras.ops.convert_to_numpy(keras.random.normal((3,)))

    np.testing.assert_array_equal(draw(), draw())
    with pytest.raises(ValueError):
        set_seed(-1)


def test_synthetic_regression_recovers_parameters():
    X, y = synthetic_regression([2, -3.4], 4.2, 2000, noise=0.01, seed=0)
    assert X.shape == (2000, 2) and y.shape == (2000, 1) and X.dtype == np.float32
    design = np.hstack([X, np.ones((len(X), 1))])
    w = np.linalg.lstsq(design, y, rcond=None)[0].ravel()
    np.testing.assert_allclose(w, [2, -3.4, 4.2], atol=0.01)
    with pytest.raises(ValueError):
        synthetic_regression([1], 0, 0)


def test_polynomial_features_and_data():
    features = polynomial_features([2.0], 4)
    np.testing.assert_allclose(features, [[1, 2, 2, 8 / 6]], rtol=1e-6)
    train_x, test_x, train_y, test_y = polynomial_data(seed=1)
    assert train_x.shape == (100, 20) and test_y.shape == (100, 1)


def test_k_fold_indices_cover_every_row_once():
    folds = k_fold_indices(11, 3)
    validation = np.concatenate([v for _, v in folds])
    assert sorted(validation) == list(range(11))
    for train, val in folds:
        assert not set(train) & set(val) and len(train) + len(val) == 11
    with pytest.raises(ValueError):
        k_fold_indices(2, 3)


def test_k_fold_averages_metrics(capsys):
    X, y = np.arange(10.0).reshape(-1, 1), np.zeros((10, 1))
    result = k_fold(lambda xt, yt, xv, yv: {"n_val": float(len(xv))}, X, y, k=5)
    assert result == {"n_val": 2.0}
    assert "fold 5/5" in capsys.readouterr().out


def test_minibatches_cover_data():
    X, y = np.arange(10).reshape(-1, 1), np.arange(10)
    seen = np.concatenate([b for _, b in minibatches(X, y, 3, seed=0)])
    assert sorted(seen) == list(range(10))


def test_live_plot_saves_png_when_run_as_a_script(tmp_path, monkeypatch):
    import keras

    from workbook.plotting import LivePlot

    monkeypatch.setenv("WORKBOOK_FIGURES", str(tmp_path))
    inputs = keras.Input((2,))
    model = keras.Model(inputs, keras.layers.Dense(1)(inputs))
    model.compile(optimizer="sgd", loss="mse")
    curves = LivePlot(name="test curves")
    x = np.random.default_rng(0).normal(size=(32, 2)).astype("float32")
    model.fit(x, x[:, :1], epochs=2, verbose=0, validation_split=0.25, callbacks=[curves])
    assert set(curves.history) == {"loss", "val_loss"} and len(curves.history["loss"]) == 2
    assert curves.saved_path == tmp_path / "test_curves.png" and curves.saved_path.stat().st_size > 0


def test_scatter_saves_png_and_rejects_bad_size(tmp_path, monkeypatch):
    from workbook.plotting import scatter

    monkeypatch.setenv("WORKBOOK_FIGURES", str(tmp_path))
    x = np.arange(5.0)
    path = scatter(x, {"label": 2 * x}, xlabel="x", name="test scatter")
    assert path == tmp_path / "test_scatter.png" and path.stat().st_size > 0
    with pytest.raises(ValueError, match="size"):
        scatter(x, [x], size=0)


def _fit_with(curves, epochs=3):
    import keras

    inputs = keras.Input((2,))
    model = keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(inputs))
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    x = np.random.default_rng(0).normal(size=(32, 2)).astype("float32")
    model.fit(x, (x[:, 0] > 0).astype("int32"), epochs=epochs, verbose=0, validation_split=0.25,
              callbacks=[curves])


def test_live_plot_has_title_labels_integer_ticks_and_accuracy_apart(tmp_path, monkeypatch):
    from workbook.plotting import LivePlot

    monkeypatch.setenv("WORKBOOK_FIGURES", str(tmp_path))
    monkeypatch.delenv("WORKBOOK_MOCK_DATA", raising=False)
    curves = LivePlot(["loss", "val_loss", "accuracy", "val_accuracy"], name="ch99_demo")
    _fit_with(curves)
    figure = curves._figure()
    loss_axis, accuracy_axis = figure.axes
    assert figure._suptitle.get_text() == "ch99 demo"
    assert loss_axis.get_ylabel() == "loss" and accuracy_axis.get_ylabel() == "accuracy"
    assert [line.get_label() for line in accuracy_axis.lines] == ["accuracy", "val_accuracy"]
    assert accuracy_axis.get_ylim() == (0.0, 1.0)
    assert all(float(t).is_integer() for t in loss_axis.get_xticks())
    assert all(line.get_marker() == "o" for line in loss_axis.lines)  # few epochs: dots
    assert curves.saved_path == tmp_path / "ch99_demo.png"


def test_live_plot_on_mock_data_says_so_and_keeps_its_own_file(tmp_path, monkeypatch):
    from workbook.plotting import LivePlot

    monkeypatch.setenv("WORKBOOK_FIGURES", str(tmp_path))
    monkeypatch.setenv("WORKBOOK_MOCK_DATA", "1")
    curves = LivePlot(name="ch99_demo", title="A run")
    _fit_with(curves, epochs=1)
    assert curves.saved_path == tmp_path / "ch99_demo_mock.png"
    figure = curves._figure()
    from workbook.plotting import mark_mock

    mark_mock(figure)
    assert "MOCK DATA" in [text.get_text() for text in figure.texts]
    assert figure.axes[0].lines[0].get_marker() == "o"  # one epoch is still visible


def test_live_plot_redraws_at_the_end_in_a_notebook(monkeypatch):
    import sys
    import types

    from workbook import plotting

    shown = []

    class Handle:
        def update(self, figure):
            shown.append(("update", figure))

    fake_display = types.SimpleNamespace(
        display=lambda figure, display_id: shown.append(("display", figure)) or Handle())
    monkeypatch.setitem(sys.modules, "IPython.display", fake_display)
    monkeypatch.setattr(sys.modules.setdefault("IPython", types.ModuleType("IPython")),
                        "display", fake_display, raising=False)
    monkeypatch.setattr(plotting, "in_notebook", lambda: True)
    monkeypatch.setattr(plotting, "pyplot", lambda: __import__("matplotlib.pyplot").pyplot)
    curves = plotting.LivePlot(every=5)
    _fit_with(curves, epochs=2)  # fewer epochs than ``every``: drawn once, at the end
    assert [kind for kind, _ in shown] == ["display"]


def test_plot_takes_an_x_scale_for_grids_that_include_zero(tmp_path, monkeypatch):
    import matplotlib.pyplot as plt

    from workbook.plotting import plot

    monkeypatch.setenv("WORKBOOK_FIGURES", str(tmp_path))
    scales = []
    monkeypatch.setattr(plt.Figure, "savefig", lambda self, *a, **k: scales.append(self.axes[0].get_xscale()))
    plot([0, 1, 10, 100], {"loss": [4.0, 3.0, 2.0, 1.0]}, xscale="symlog", name="ch99 grid")
    assert scales == ["symlog"]
    with pytest.raises(ValueError):
        plot([0, 1], [[1.0, 2.0]], xscale="no such scale")


def test_sgd_step_clears_stale_gradients_and_descends():
    import keras
    import torch

    from workbook.scratch import sgd_step

    w = keras.Variable(np.array([1.0, -2.0], dtype="float32"))
    w.value.grad = torch.full((2,), 100.0)  # a stale gradient from an earlier step
    loss = keras.ops.sum(w * w)  # gradient 2 w
    sgd_step([w], loss, 0.25)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(w), [0.5, -1.0])
    with pytest.raises(ValueError, match="learning_rate"):
        sgd_step([w], keras.ops.sum(w), float("nan"))
    unused = keras.Variable(np.zeros(2, dtype="float32"))
    with pytest.raises(ValueError, match="does not depend"):
        sgd_step([w, unused], keras.ops.sum(w * w), 0.1)


def test_compile_classifier_uses_logit_cross_entropy_and_rejects_bad_optimizers():
    import keras

    from workbook.classification import compile_classifier

    inputs = keras.Input((3,))
    model = compile_classifier(keras.Model(inputs, keras.layers.Dense(4)(inputs)), 0.5)
    assert isinstance(model.optimizer, keras.optimizers.SGD)
    assert float(model.optimizer.learning_rate) == 0.5
    assert model.loss.get_config()["from_logits"] is True
    x = np.random.default_rng(0).normal(size=(8, 3)).astype("float32")
    logs = model.evaluate(x, np.arange(8) % 4, verbose=0, return_dict=True)
    assert set(logs) == {"loss", "accuracy"}
    adam = keras.optimizers.Adam(1e-3)
    assert compile_classifier(model, adam).optimizer is adam
    for bad in (0, -1.0, float("inf"), True, "sgd"):
        with pytest.raises(ValueError, match="optimizer"):
            compile_classifier(model, bad)


def test_load_digits_split_is_one_fixed_stratified_split():
    from workbook.datasets.digits import load_digits_split

    (X_train, y_train), (X_test, y_test) = load_digits_split()
    assert X_train.shape == (1297, 8, 8, 1) and X_test.shape == (500, 8, 8, 1)
    assert X_train.dtype == np.float32 and y_train.dtype == np.int32
    assert 0.0 <= X_train.min() and X_train.max() <= 1.0
    assert np.bincount(y_test).min() >= 48  # stratified: about 50 of each digit
    (X_fit, _), (X_val, _), (X_test_again, y_test_again) = load_digits_split(validation_size=300)
    assert len(X_fit) == 997 and len(X_val) == 300
    np.testing.assert_array_equal(X_test_again, X_test)  # the same test images either way
    np.testing.assert_array_equal(y_test_again, y_test)
    with pytest.raises(ValueError, match="validation_size"):
        load_digits_split(validation_size=-1)


@pytest.mark.parametrize("env, expected", [({}, "1"), ({"WORKBOOK_TORCH_THREADS": "2"}, "2"),
                                           ({"OMP_NUM_THREADS": "2"}, "2")])
def test_workbook_chooses_one_torch_thread_unless_told(env, expected):
    import os
    import subprocess
    import sys

    base = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "WORKBOOK_TORCH_THREADS")}
    code = "import workbook, torch; print(torch.get_num_threads())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**base, "KERAS_BACKEND": "torch", **env}, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split()[-1] == expected


def test_bad_thread_count_is_one_clear_error(monkeypatch):
    from workbook.threads import limit_torch_threads

    monkeypatch.setenv("WORKBOOK_TORCH_THREADS", "many")
    with pytest.raises(ValueError, match="WORKBOOK_TORCH_THREADS must be a positive whole number"):
        limit_torch_threads()


def test_live_plot_on_real_data_is_not_marked_mock(tmp_path, monkeypatch):
    from workbook.plotting import LivePlot

    monkeypatch.setenv("WORKBOOK_FIGURES", str(tmp_path))
    monkeypatch.setenv("WORKBOOK_MOCK_DATA", "1")  # on, but these data are real
    curves = LivePlot(name="ch99_digits", mock=False)
    _fit_with(curves, epochs=1)
    assert curves.saved_path == tmp_path / "ch99_digits.png"


def test_curves_of_functions_are_not_mock_data_but_images_of_a_data_set_are(tmp_path, monkeypatch):
    import numpy as np

    from workbook.attention import show_heatmaps
    from workbook.classification import show_images
    from workbook.plotting import plot, scatter

    monkeypatch.setenv("WORKBOOK_FIGURES", str(tmp_path))
    monkeypatch.setenv("WORKBOOK_MOCK_DATA", "1")
    x = np.linspace(0, 1, 5)
    assert plot(x, {"x^2": x ** 2}, name="ch99_curve") == tmp_path / "ch99_curve.png"
    assert scatter(x, {"x": x}, name="ch99_points") == tmp_path / "ch99_points.png"
    assert show_heatmaps(np.eye(3)[None, None], "keys", "queries", name="ch99_attention") \
        == tmp_path / "ch99_attention.png"
    # curves measured on a data set that may be mocked say so when asked
    assert plot(x, [x], name="ch99_measured", mock=None) == tmp_path / "ch99_measured_mock.png"
    images = np.zeros((2, 4, 4))
    assert show_images(images, num_rows=1, num_cols=2, name="ch99_images") == tmp_path / "ch99_images_mock.png"
    assert show_images(images, num_rows=1, num_cols=2, name="ch99_digits", mock=False) \
        == tmp_path / "ch99_digits.png"


def test_the_scratch_classifier_trains_on_the_fast_path_like_stock_keras():
    import keras
    import numpy as np
    from keras import ops

    from workbook.classification import ScratchSGDClassifier

    def cross_entropy(probabilities, labels):
        picked = ops.take_along_axis(probabilities, ops.expand_dims(ops.cast(labels, "int32"), 1), axis=1)
        return -ops.mean(ops.log(picked))

    rng = np.random.default_rng(0)
    x, y = rng.random((96, 4, 4, 1)).astype("float32"), rng.integers(0, 3, 96)
    runs = {}
    for path, fit in [("fast", ScratchSGDClassifier.fit), ("stock", keras.Model.fit)]:
        keras.utils.set_random_seed(1)
        inputs = keras.Input((4, 4, 1))
        outputs = keras.layers.Dense(3, activation="softmax")(keras.layers.Flatten()(inputs))
        model = ScratchSGDClassifier(inputs, outputs, loss_fn=cross_entropy, learning_rate=0.5)
        model.compile()
        history = fit(model, x, y, batch_size=16, epochs=3, shuffle=False, verbose=0, validation_data=(x, y))
        runs[path] = model.get_weights(), history.history
        if path == "fast":
            assert model.last_fit_path == "fast"
    (fast_weights, fast_logs), (stock_weights, stock_logs) = runs["fast"], runs["stock"]
    for fast, stock in zip(fast_weights, stock_weights):
        np.testing.assert_allclose(fast, stock, rtol=1e-5, atol=1e-6)
    assert set(fast_logs) == set(stock_logs) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    for key in stock_logs:
        np.testing.assert_allclose(fast_logs[key], stock_logs[key], rtol=1e-5)
