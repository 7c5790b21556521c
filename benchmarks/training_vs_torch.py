"""Per-step training cost: a hand-written torch loop, Keras ``fit``, and the
workbook's fast path (``workbook.fastfit.FastModel`` + ``workbook.fused_rnn``).

Same model, data, batch size and optimizer (plain SGD) in all three, one
thread, CPU. Each round trains every variant for ``--steps`` steps, in turn
(interleaved, so load changes hit all three alike); the table shows the
median over ``--rounds`` rounds of CPU time per step (``time.process_time``:
the honest measure on a shared machine) and wall time per step, and each
variant's ratio to the torch loop.

    python benchmarks/training_vs_torch.py                 # every model
    python benchmarks/training_vs_torch.py --only lstm_lm  # one model
    python benchmarks/training_vs_torch.py --steps 20 --rounds 3

To add a model (the Transformer of chapter 11, say), write a ``Bench`` with
its data, a Keras builder and the same network in torch, and add it to
``BENCHES``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

os.environ.setdefault("KERAS_BACKEND", "torch")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import workbook  # noqa: E402,F401  (selects the torch backend)
import keras  # noqa: E402
from keras import layers  # noqa: E402

from workbook.fastfit import FastModel  # noqa: E402
from workbook.fused_rnn import FusedGRU, FusedLSTM, FusedSimpleRNN  # noqa: E402
from workbook.scratch import sgd_step  # noqa: E402

TARGETS = {"linear": "fixed cost < 1 ms/step", "mlp": 1.2, "cnn": 1.2, "rnn": 1.5}


@dataclass
class Bench:
    name: str
    chapter: str
    kind: str  # a key of TARGETS
    batch: int
    lr: float
    data: Callable[[np.random.Generator, int], tuple]  # (rng, rows) -> (x, y)
    keras_model: Callable[[type, dict], keras.Model]  # (Model class, RNN layer classes)
    torch_model: Callable[[], nn.Module]
    loss: str  # "mse" or "xent" (sparse cross-entropy on logits)
    default_steps: int
    scratch: bool = False  # the model brings its own train_step: compile() bare


STOCK_RNN = {"lstm": layers.LSTM, "gru": layers.GRU, "rnn": layers.SimpleRNN}
FUSED_RNN = {"lstm": FusedLSTM, "gru": FusedGRU, "rnn": FusedSimpleRNN}


# ------------------------------------------------------------------ models


def linreg_data(rng, rows):
    x = rng.normal(size=(rows, 2)).astype("float32")
    return x, (x @ np.array([[2.0], [-3.4]], "float32") + 4.2).astype("float32")


def linreg_keras(model_cls, rnn):
    inputs = keras.Input((2,))
    return model_cls(inputs, layers.Dense(1)(inputs))


class ScratchRegression(keras.Model):
    """Chapter 3's from-scratch trainer: its own train_step, SGD by hand."""

    def __init__(self, *args, lr=0.03, **kwargs):
        super().__init__(*args, **kwargs)
        self.lr = lr
        self.loss_tracker = keras.metrics.Mean(name="loss")

    @property
    def metrics(self):
        return [self.loss_tracker]

    def train_step(self, data):
        x, y = data
        loss = keras.ops.mean((self(x, training=True) - y) ** 2) / 2
        sgd_step(self.trainable_weights, loss, self.lr)  # the step chapter 3 uses
        self.loss_tracker.update_state(loss)
        return {"loss": self.loss_tracker.result()}


class FastScratchRegression(FastModel, ScratchRegression):
    """The same class on the fast path: only its base changes."""


def linreg_scratch_keras(model_cls, rnn):
    inputs = keras.Input((2,))
    cls = FastScratchRegression if model_cls is FastModel else ScratchRegression
    return cls(inputs, layers.Dense(1)(inputs))


def image_data(rng, rows):
    return rng.random((rows, 28, 28, 1), dtype="float32"), rng.integers(0, 10, rows).astype("int32")


def mlp_keras(model_cls, rnn):
    inputs = keras.Input((28, 28, 1))
    hidden = layers.Dense(256, activation="relu")(layers.Flatten()(inputs))
    return model_cls(inputs, layers.Dense(10)(hidden))


def mlp_torch():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))


def lenet_keras(model_cls, rnn):
    inputs = keras.Input((28, 28, 1))
    x = layers.Conv2D(6, 5, padding="same", activation="relu")(inputs)
    x = layers.AveragePooling2D(2)(x)
    x = layers.Conv2D(16, 5, activation="relu")(x)
    x = layers.AveragePooling2D(2)(x)
    x = layers.Flatten()(x)
    x = layers.Dense(120, activation="relu")(x)
    x = layers.Dense(84, activation="relu")(x)
    return model_cls(inputs, layers.Dense(10)(x))


class LeNetTorch(nn.Module):
    """The same LeNet on channels-last images (transposed once, as torch code would)."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.AvgPool2d(2),
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.AvgPool2d(2), nn.Flatten(),
            nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))

    def forward(self, x):
        return self.net(x.permute(0, 3, 1, 2))


VOCAB, STEPS, HIDDEN = 28, 32, 32


def lm_data(rng, rows):
    tokens = rng.integers(0, VOCAB, (rows, STEPS + 1))
    return tokens[:, :-1].astype("int32"), tokens[:, 1:].astype("int32")


def lm_keras(cell):
    def build(model_cls, rnn):
        inputs = keras.Input((STEPS,), dtype="int32")
        x = layers.Embedding(VOCAB, HIDDEN)(inputs)
        x = rnn[cell](HIDDEN, return_sequences=True)(x)
        return model_cls(inputs, layers.Dense(VOCAB)(x))
    return build


class LMTorch(nn.Module):
    def __init__(self, cell):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, HIDDEN)
        self.rnn = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}[cell](HIDDEN, HIDDEN, batch_first=True)
        self.out = nn.Linear(HIDDEN, VOCAB)

    def forward(self, x):
        return self.out(self.rnn(self.embed(x))[0])


S2S_VOCAB, S2S_STEPS, S2S_LAYERS = 200, 9, 2


def seq2seq_data(rng, rows):
    source = rng.integers(0, S2S_VOCAB, (rows, S2S_STEPS)).astype("int32")
    target = rng.integers(0, S2S_VOCAB, (rows, S2S_STEPS + 1)).astype("int32")
    return [source, target[:, :-1]], target[:, 1:]


def seq2seq_keras(model_cls, rnn):
    """Chapter 10's GRU encoder-decoder: the decoder starts from the encoder's states."""
    source = keras.Input((S2S_STEPS,), dtype="int32")
    target_in = keras.Input((S2S_STEPS,), dtype="int32")
    x = layers.Embedding(S2S_VOCAB, HIDDEN)(source)
    states = []
    for _ in range(S2S_LAYERS):
        x, state = rnn["gru"](HIDDEN, return_sequences=True, return_state=True)(x)
        states.append(state)
    y = layers.Embedding(S2S_VOCAB, HIDDEN)(target_in)
    for state in states:
        y = rnn["gru"](HIDDEN, return_sequences=True)(y, initial_state=state)
    return model_cls([source, target_in], layers.Dense(S2S_VOCAB)(y))


class Seq2SeqTorch(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc_embed, self.dec_embed = nn.Embedding(S2S_VOCAB, HIDDEN), nn.Embedding(S2S_VOCAB, HIDDEN)
        self.encoder = nn.GRU(HIDDEN, HIDDEN, S2S_LAYERS, batch_first=True)
        self.decoder = nn.GRU(HIDDEN, HIDDEN, S2S_LAYERS, batch_first=True)
        self.out = nn.Linear(HIDDEN, S2S_VOCAB)

    def forward(self, source, target_in):
        _, state = self.encoder(self.enc_embed(source))
        return self.out(self.decoder(self.dec_embed(target_in), state)[0])


BENCHES = {
    bench.name: bench
    for bench in [
        Bench("linreg", "ch03", "linear", 10, 0.03, linreg_data, linreg_keras,
              lambda: nn.Linear(2, 1), "mse", 200),
        Bench("linreg_scratch", "ch03", "linear", 10, 0.03, linreg_data, linreg_scratch_keras,
              lambda: nn.Linear(2, 1), "mse", 200, scratch=True),
        Bench("mlp", "ch05", "mlp", 256, 0.1, image_data, mlp_keras, mlp_torch, "xent", 40),
        Bench("lenet", "ch07", "cnn", 128, 0.1, image_data, lenet_keras, LeNetTorch, "xent", 20),
        Bench("rnn_lm", "ch09", "rnn", 1024, 1.0, lm_data, lm_keras("rnn"),
              lambda: LMTorch("rnn"), "xent", 10),
        Bench("gru_lm", "ch09/10", "rnn", 1024, 1.0, lm_data, lm_keras("gru"),
              lambda: LMTorch("gru"), "xent", 10),
        Bench("lstm_lm", "ch10", "rnn", 1024, 1.0, lm_data, lm_keras("lstm"),
              lambda: LMTorch("lstm"), "xent", 10),
        Bench("gru_seq2seq", "ch10", "rnn", 128, 0.1, seq2seq_data, seq2seq_keras,
              Seq2SeqTorch, "xent", 20),
        # The Transformer of chapter 11 goes here once the chapter lands.
    ]
}


# ----------------------------------------------------------------- runners


def torch_runner(bench, x, y, steps):
    model = bench.torch_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=bench.lr)
    xs = [torch.from_numpy(v) for v in (x if isinstance(x, list) else [x])]
    xs = [v.long() if not v.is_floating_point() else v for v in xs]
    target = torch.from_numpy(y)
    target = target.long() if bench.loss == "xent" else target

    def loss_fn(out, t):
        if bench.loss == "mse":
            return F.mse_loss(out, t)
        return F.cross_entropy(out.reshape(-1, out.shape[-1]), t.reshape(-1))

    def run():
        for step in range(steps):
            rows = slice(step * bench.batch, (step + 1) * bench.batch)
            optimizer.zero_grad()
            loss = loss_fn(model(*[v[rows] for v in xs]), target[rows])
            loss.backward()
            optimizer.step()
    return run


def keras_runner(bench, x, y, model_cls, rnn):
    model = bench.keras_model(model_cls, rnn)
    loss = "mse" if bench.loss == "mse" else keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    metrics = [] if bench.loss == "mse" else ["accuracy"]
    if bench.scratch:
        model.compile()
    else:
        model.compile(optimizer=keras.optimizers.SGD(bench.lr), loss=loss, metrics=metrics)

    def run():
        model.fit(x, y, batch_size=bench.batch, epochs=1, verbose=0, shuffle=False)
    run.model = model
    return run


VARIANTS = ("torch loop", "Keras fit", "fast path")


def measure(bench, steps, rounds):
    rng = np.random.default_rng(0)
    x, y = bench.data(rng, bench.batch * steps)
    runners = {
        "torch loop": torch_runner(bench, x, y, steps),
        "Keras fit": keras_runner(bench, x, y, keras.Model, STOCK_RNN),
        "fast path": keras_runner(bench, x, y, FastModel, FUSED_RNN),
    }
    for run in runners.values():
        run()  # warm up: builds, first-call costs
    fast = runners["fast path"].model
    if fast.last_fit_path != "fast":
        raise RuntimeError(f"{bench.name}: the fast path fell back to stock fit ({fast.last_fit_reason})")
    cpu = {name: [] for name in runners}
    wall = {name: [] for name in runners}
    for _ in range(rounds):
        for name, run in runners.items():
            c0, w0 = time.process_time(), time.perf_counter()
            run()
            cpu[name].append((time.process_time() - c0) / steps * 1e3)
            wall[name].append((time.perf_counter() - w0) / steps * 1e3)
    return ({name: statistics.median(v) for name, v in cpu.items()},
            {name: statistics.median(v) for name, v in wall.items()})


def verdict(bench, cpu):
    if bench.kind == "linear":
        fixed = cpu["fast path"] - cpu["torch loop"]
        return f"fixed {fixed:.2f} ms/step ({'met' if fixed < 1 else 'NOT met'}: < 1 ms)"
    target = TARGETS[bench.kind]
    ratio = cpu["fast path"] / cpu["torch loop"]
    return f"{'met' if ratio <= target else 'NOT met'}: <= {target}x"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", action="append", choices=sorted(BENCHES),
                        help="run only this model (repeatable)")
    parser.add_argument("--steps", type=int, help="training steps per round (default: per model)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (median)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    args = parser.parse_args(argv)
    if args.steps is not None and args.steps < 1 or args.rounds < 1 or args.threads < 1:
        parser.error("--steps, --rounds and --threads must be >= 1")
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, keras {keras.__version__}, torch threads: "
          f"{torch.get_num_threads()}, cores: {os.cpu_count()}, "
          f"load average: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print(f"per-step median of {args.rounds} interleaved rounds; CPU ms (wall ms); "
          "ratio = CPU time / torch loop's\n")
    header = f"{'model':14s} {'ch':7s} {'batch':>5s} {'steps':>5s}  " + "  ".join(
        f"{v:>20s}" for v in VARIANTS) + "   Keras/torch  fast/torch  target"
    print(header)
    print("-" * len(header))
    for name in args.only or list(BENCHES):
        bench = BENCHES[name]
        steps = args.steps or bench.default_steps
        keras.utils.set_random_seed(0)
        torch.manual_seed(0)
        cpu, wall = measure(bench, steps, args.rounds)
        cells = "  ".join(f"{cpu[v]:9.2f} ({wall[v]:7.2f})" for v in VARIANTS)
        print(f"{name:14s} {bench.chapter:7s} {bench.batch:5d} {steps:5d}  {cells}   "
              f"{cpu['Keras fit'] / cpu['torch loop']:10.2f}x {cpu['fast path'] / cpu['torch loop']:10.2f}x"
              f"  {verdict(bench, cpu)}", flush=True)
    print(f"\nload average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
