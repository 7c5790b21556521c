"""Per-step training cost: a hand-written torch loop, Keras ``fit``, and the
workbook's fast path (``workbook.fastfit.FastModel`` + ``workbook.fused_rnn``).

Same model, data, batch size and optimizer (plain SGD) in all three, one
thread, CPU. Each round trains every variant for ``--steps`` steps, in turn
(interleaved, so load changes hit all three alike); the table shows the
median over ``--rounds`` rounds of CPU time per step (``time.process_time``:
the honest measure on a shared machine) and wall time per step, and each
variant's ratio to the torch loop. Every torch module is asserted to have
the Keras model's parameter count. When ``FastModel.fit`` runs stock Keras
``fit`` for a model (``last_fit_path``), the table says so and why.

    python benchmarks/training_vs_torch.py                 # every model
    python benchmarks/training_vs_torch.py --only lstm_lm  # one model
    python benchmarks/training_vs_torch.py --steps 20 --rounds 3

To add a model, write a ``Bench`` with its data, a Keras builder (the
chapter's own, where the workbook has one) and the same network in torch,
and add it to ``BENCHES``.
"""

from __future__ import annotations

import argparse
import functools
import math
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

from workbook.attention import build_transformer, build_vit, sinusoidal_encoding  # noqa: E402
from workbook.convolution import load_digit_images  # noqa: E402
from workbook.fastfit import FastModel  # noqa: E402
from workbook.fused_rnn import FusedGRU, FusedLSTM, FusedSimpleRNN  # noqa: E402
from workbook.scratch import sgd_step  # noqa: E402
from workbook.seq2seq import MaskedSequenceLoss  # noqa: E402
from workbook.synthetic_text import toy_translation_pairs  # noqa: E402
from workbook.text import translation_dataset  # noqa: E402

# The targets; it names none for attention models: they get the MLP/CNN one.
TARGETS = {"linear": "fixed cost < 1 ms/step", "mlp": 1.2, "cnn": 1.2, "rnn": 1.5, "attention": 1.2}


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
    loss: str  # "mse", "xent" (sparse cross-entropy on logits) or "masked_xent" (padding ignored)
    default_steps: int
    scratch: bool = False  # the model brings its own train_step: compile() bare
    torch_extra_params: int = 0  # torch's module has this many more parameters (asserted)


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


# Chapter 11's models, built by workbook.attention with the chapter's default-profile
# sizes, trained on the chapter's data (generated translation pairs, real digits).
# The chapter trains with Adam; here, as for every model, plain SGD.
MT_STEPS, MT_TRAIN, MT_VAL, MT_BATCH = 10, 1500, 200, 64
TRANSFORMER = dict(num_hiddens=32, ffn_num_hiddens=64, num_heads=4, num_blks=2, dropout=0.1)
VIT = dict(patch_size=7, num_hiddens=48, mlp_num_hiddens=96, num_heads=4, num_blks=2, num_classes=10,
           emb_dropout=0.1, blk_dropout=0.1)
VIT_SIZE, VIT_BATCH = 28, 64


@functools.lru_cache(maxsize=None)
def chapter11_translation():
    """The chapter's training pairs (TranslationData): 1500 generated pairs, 10 steps."""
    raw = toy_translation_pairs(MT_TRAIN + MT_VAL, seed=11)
    return translation_dataset(raw, num_steps=MT_STEPS, num_train=MT_TRAIN, num_val=MT_VAL)[0]


def first_rows(arrays, rows):
    """The first ``rows`` rows of each array, starting over at the end of the data."""
    index = np.arange(rows) % len(arrays[0])
    return [a[index] for a in arrays]


def translation_data(rng, rows):
    data = chapter11_translation()
    src, valid, tgt_in, tgt_out = first_rows([data.src, data.src_valid_len, data.tgt_in, data.tgt_out], rows)
    return [src, valid, tgt_in], tgt_out


def pad_id():
    return chapter11_translation().tgt_vocab["<pad>"]


def as_model_class(model_cls, model):
    """The builder's functional model as ``model_cls``: the same graph and layers,
    whatever class the builder returns (the workbook's builders may return FastModels)."""
    def one(tensors):  # the builders' models take and give single tensors, not 1-lists
        return tensors[0] if len(tensors) == 1 else tensors
    return model_cls(one(model.inputs), one(model.outputs), name=model.name)


def transformer_keras(model_cls, rnn):
    data = chapter11_translation()
    built = build_transformer(len(data.src_vocab), len(data.tgt_vocab), **TRANSFORMER)
    return as_model_class(model_cls, built.model)


@functools.lru_cache(maxsize=None)
def chapter11_digits():
    """The chapter's training digits: (images (N, 28, 28, 1), labels)."""
    return load_digit_images(VIT_SIZE)[0]


def digits_data(rng, rows):
    return tuple(first_rows(list(chapter11_digits()), rows))


def vit_keras(model_cls, rnn):
    return as_model_class(model_cls, build_vit((VIT_SIZE, VIT_SIZE, 1), **VIT))


class MultiHeadAttentionTorch(nn.Module):
    """Keras' MultiHeadAttention as D2L's PyTorch code writes it: project, split
    the heads, scaled dot products, masked softmax, dropout on the weights,
    merge the heads, project. ``mask`` (B or 1, Tq, Tk): True = attend."""

    def __init__(self, dim, heads, dropout, bias):
        super().__init__()
        self.heads = heads
        self.W_q, self.W_k, self.W_v, self.W_o = (nn.Linear(dim, dim, bias=bias) for _ in range(4))
        self.drop = nn.Dropout(dropout)

    def forward(self, queries, values, mask=None):
        batch, steps, dim = queries.shape

        def split(x):  # (B, T, dim) -> (B, heads, T, dim / heads)
            return x.reshape(batch, x.shape[1], self.heads, -1).transpose(1, 2)

        q, k, v = split(self.W_q(queries)), split(self.W_k(values)), split(self.W_v(values))
        scores = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])
        if mask is not None:
            scores = scores.masked_fill(~mask[:, None], float("-inf"))
        weights = self.drop(scores.softmax(-1))
        return self.W_o((weights @ v).transpose(1, 2).reshape(batch, steps, dim))


class PostNormBlockTorch(nn.Module):
    """The Transformer's encoder block, or with ``cross`` its decoder block: each
    sublayer ``f`` becomes ``LayerNorm(x + Dropout(f(x)))`` (the book's AddNorm)."""

    def __init__(self, dim, ffn, heads, dropout, cross=False):
        super().__init__()
        self.attentions = nn.ModuleList(MultiHeadAttentionTorch(dim, heads, dropout, bias=False)
                                        for _ in range(2 if cross else 1))
        self.norms = nn.ModuleList(nn.LayerNorm(dim, eps=1e-5) for _ in range(len(self.attentions) + 1))
        self.ffn = nn.Sequential(nn.Linear(dim, ffn), nn.ReLU(), nn.Linear(ffn, dim))
        self.drop = nn.Dropout(dropout)

    def forward(self, x, self_mask, memory=None, memory_mask=None):
        x = self.norms[0](x + self.drop(self.attentions[0](x, x, self_mask)))
        if memory is not None:
            x = self.norms[1](x + self.drop(self.attentions[1](x, memory, memory_mask)))
        return self.norms[-1](x + self.drop(self.ffn(x)))


class TransformerTorch(nn.Module):
    """build_transformer's model: scaled embeddings + sinusoidal positions, post-norm
    blocks, padded source keys masked, causal decoder self-attention."""

    def __init__(self, src_vocab, tgt_vocab, num_hiddens, ffn_num_hiddens, num_heads, num_blks, dropout):
        super().__init__()
        self.scale = math.sqrt(num_hiddens)
        self.enc_embed, self.dec_embed = nn.Embedding(src_vocab, num_hiddens), nn.Embedding(tgt_vocab, num_hiddens)
        self.register_buffer("P", torch.from_numpy(sinusoidal_encoding(1000, num_hiddens)))  # not a weight
        self.encoder = nn.ModuleList(PostNormBlockTorch(num_hiddens, ffn_num_hiddens, num_heads, dropout)
                                     for _ in range(num_blks))
        self.decoder = nn.ModuleList(PostNormBlockTorch(num_hiddens, ffn_num_hiddens, num_heads, dropout, True)
                                     for _ in range(num_blks))
        self.out = nn.Linear(num_hiddens, tgt_vocab)
        self.drop = nn.Dropout(dropout)

    def embed(self, embedding, tokens):
        return self.drop(embedding(tokens) * self.scale + self.P[: tokens.shape[1]])

    def forward(self, src, src_valid_len, tgt_in):
        key_mask = (torch.arange(src.shape[1]) < src_valid_len[:, None])[:, None]  # (B, 1, T_src)
        x = self.embed(self.enc_embed, src)
        for block in self.encoder:
            x = block(x, key_mask)
        steps = tgt_in.shape[1]
        causal = torch.ones(steps, steps, dtype=torch.bool).tril()[None]
        y = self.embed(self.dec_embed, tgt_in)
        for block in self.decoder:
            y = block(y, causal, x, key_mask)
        return self.out(y)


def transformer_torch():
    data = chapter11_translation()
    return TransformerTorch(len(data.src_vocab), len(data.tgt_vocab), **TRANSFORMER)


class PreNormBlockTorch(nn.Module):
    """The ViT block: x + MHA(LN(x)), then x + MLP(LN(x)) with GELU and dropout."""

    def __init__(self, dim, mlp, heads, dropout):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(dim, eps=1e-5), nn.LayerNorm(dim, eps=1e-5)
        self.attention = MultiHeadAttentionTorch(dim, heads, dropout, bias=True)
        self.mlp = nn.Sequential(nn.Linear(dim, mlp), nn.GELU(), nn.Dropout(dropout),
                                 nn.Linear(mlp, dim), nn.Dropout(dropout))

    def forward(self, x):
        y = self.ln1(x)
        x = x + self.attention(y, y)
        return x + self.mlp(self.ln2(x))


class ViTTorch(nn.Module):
    """build_vit's model on channels-last images: patches by a strided convolution,
    ``<cls>``, learned positions, pre-norm blocks, LN + Dense on ``<cls>``."""

    def __init__(self, image_size, patch_size, num_hiddens, mlp_num_hiddens, num_heads, num_blks,
                 num_classes, emb_dropout, blk_dropout):
        super().__init__()
        self.patches = nn.Conv2d(1, num_hiddens, patch_size, stride=patch_size)
        self.cls = nn.Parameter(torch.zeros(1, 1, num_hiddens))
        self.positions = nn.Parameter(0.02 * torch.randn(1, (image_size // patch_size) ** 2 + 1, num_hiddens))
        self.drop = nn.Dropout(emb_dropout)
        self.blocks = nn.Sequential(*(PreNormBlockTorch(num_hiddens, mlp_num_hiddens, num_heads, blk_dropout)
                                      for _ in range(num_blks)))
        self.head = nn.Sequential(nn.LayerNorm(num_hiddens, eps=1e-5), nn.Linear(num_hiddens, num_classes))

    def forward(self, images):
        x = self.patches(images.permute(0, 3, 1, 2)).flatten(2).transpose(1, 2)  # (B, patches, d)
        x = torch.cat([self.cls.expand(len(x), -1, -1), x], dim=1)
        x = self.blocks(self.drop(x + self.positions))
        return self.head(x[:, 0])


def vit_torch():
    return ViTTorch(VIT_SIZE, **VIT)


BENCHES = {
    bench.name: bench
    for bench in [
        Bench("linreg", "ch03", "linear", 10, 0.03, linreg_data, linreg_keras,
              lambda: nn.Linear(2, 1), "mse", 200),
        Bench("linreg_scratch", "ch03", "linear", 10, 0.03, linreg_data, linreg_scratch_keras,
              lambda: nn.Linear(2, 1), "mse", 200, scratch=True),
        Bench("mlp", "ch05", "mlp", 256, 0.1, image_data, mlp_keras, mlp_torch, "xent", 40),
        Bench("lenet", "ch07", "cnn", 128, 0.1, image_data, lenet_keras, LeNetTorch, "xent", 20),
        # torch's RNN and LSTM have two bias vectors (b_ih, b_hh) where Keras has one
        Bench("rnn_lm", "ch09", "rnn", 1024, 1.0, lm_data, lm_keras("rnn"),
              lambda: LMTorch("rnn"), "xent", 10, torch_extra_params=HIDDEN),
        Bench("gru_lm", "ch09/10", "rnn", 1024, 1.0, lm_data, lm_keras("gru"),
              lambda: LMTorch("gru"), "xent", 10),
        Bench("lstm_lm", "ch10", "rnn", 1024, 1.0, lm_data, lm_keras("lstm"),
              lambda: LMTorch("lstm"), "xent", 10, torch_extra_params=4 * HIDDEN),
        Bench("gru_seq2seq", "ch10", "rnn", 128, 0.1, seq2seq_data, seq2seq_keras,
              Seq2SeqTorch, "xent", 20),
        Bench("transformer", "ch11", "attention", MT_BATCH, 0.1, translation_data, transformer_keras,
              transformer_torch, "masked_xent", 20),
        Bench("vit", "ch11", "attention", VIT_BATCH, 0.1, digits_data, vit_keras, vit_torch, "xent", 20),
    ]
}


# ----------------------------------------------------------------- runners


def torch_runner(bench, x, y, steps):
    model = bench.torch_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=bench.lr)
    xs = [torch.from_numpy(v) for v in (x if isinstance(x, list) else [x])]
    xs = [v.long() if not v.is_floating_point() else v for v in xs]
    target = torch.from_numpy(y)
    target = target if bench.loss == "mse" else target.long()

    # the mean over the real tokens, as chapter 10's masked loss
    ignore = pad_id() if bench.loss == "masked_xent" else -100

    def loss_fn(out, t):
        if bench.loss == "mse":
            return F.mse_loss(out, t)
        return F.cross_entropy(out.reshape(-1, out.shape[-1]), t.reshape(-1), ignore_index=ignore)

    def run():
        for step in range(steps):
            rows = slice(step * bench.batch, (step + 1) * bench.batch)
            optimizer.zero_grad()
            loss = loss_fn(model(*[v[rows] for v in xs]), target[rows])
            loss.backward()
            optimizer.step()
    run.model = model
    return run


def keras_runner(bench, x, y, model_cls, rnn):
    model = bench.keras_model(model_cls, rnn)
    if bench.loss == "masked_xent":  # as chapter 10's and 11's train_seq2seq compiles it
        loss, metrics = MaskedSequenceLoss(pad_id()), []
    elif bench.loss == "mse":
        loss, metrics = "mse", []
    else:
        loss, metrics = keras.losses.SparseCategoricalCrossentropy(from_logits=True), ["accuracy"]
    if bench.scratch:
        model.compile()
    else:
        model.compile(optimizer=keras.optimizers.SGD(bench.lr), loss=loss, metrics=metrics)

    def run():
        model.fit(x, y, batch_size=bench.batch, epochs=1, verbose=0, shuffle=False)
    run.model = model
    return run


VARIANTS = ("torch loop", "Keras fit", "fast path")


def make_runners(bench, steps):
    """The three variants on the same ``steps`` batches of data, in VARIANTS' order."""
    x, y = bench.data(np.random.default_rng(0), bench.batch * steps)
    runners = {
        "torch loop": torch_runner(bench, x, y, steps),
        "Keras fit": keras_runner(bench, x, y, keras.Model, STOCK_RNN),
        "fast path": keras_runner(bench, x, y, FastModel, FUSED_RNN),
    }
    if isinstance(runners["Keras fit"].model, FastModel):
        raise AssertionError(f"{bench.name}: the stock Keras model is a FastModel")
    return runners


def measure(bench, steps, rounds):
    runners = make_runners(bench, steps)
    check_same_size(bench, runners)
    for run in runners.values():
        run()  # warm up: builds, first-call costs
    cpu = {name: [] for name in runners}
    wall = {name: [] for name in runners}
    for _ in range(rounds):
        for name, run in runners.items():
            c0, w0 = time.process_time(), time.perf_counter()
            run()
            cpu[name].append((time.process_time() - c0) / steps * 1e3)
            wall[name].append((time.perf_counter() - w0) / steps * 1e3)
    fast = runners["fast path"].model
    fallback = None if fast.last_fit_path == "fast" else fast.last_fit_reason
    return ({name: statistics.median(v) for name, v in cpu.items()},
            {name: statistics.median(v) for name, v in wall.items()}, fallback)


def check_same_size(bench, runners):
    """The torch module and both Keras models have the same number of parameters."""
    torch_count = sum(p.numel() for p in runners["torch loop"].model.parameters())
    for name in ("Keras fit", "fast path"):
        expected = runners[name].model.count_params() + bench.torch_extra_params
        if torch_count != expected:
            raise AssertionError(f"{bench.name}: the torch module has {torch_count:,} parameters, expected "
                                 f"{expected:,} (the {name} model's + {bench.torch_extra_params})")


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
        cpu, wall, fallback = measure(bench, steps, args.rounds)
        cells = "  ".join(f"{cpu[v]:9.2f} ({wall[v]:7.2f})" for v in VARIANTS)
        print(f"{name:14s} {bench.chapter:7s} {bench.batch:5d} {steps:5d}  {cells}   "
              f"{cpu['Keras fit'] / cpu['torch loop']:10.2f}x {cpu['fast path'] / cpu['torch loop']:10.2f}x"
              f"  {verdict(bench, cpu)}", flush=True)
        if fallback:
            print(f"{'':14s} ^ FastModel.fit ran stock keras fit: {fallback}", flush=True)
    print(f"\nload average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
