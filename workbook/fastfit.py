"""A lean ``fit`` for chapter models: the same training, less Keras per step.

On the torch backend most of a small model's step goes to fixed Keras work,
not to arithmetic (``benchmarks/training_vs_torch.py`` measures it): the data
adapter slices and converts every batch, every layer's ``__call__`` sets up
masks, autocasting and name scopes, the compiled loss and metrics walk
nested structures, and the callbacks run per batch. ``FastModel`` is a
``keras.Model`` whose ``fit`` keeps the data as torch tensors for the whole
run, calls the layers' ``call`` directly in graph order, computes the common
losses and metrics with one torch expression each (accumulated on the
tensor side and read once per epoch) and calls per-batch callback hooks only
when some callback overrides them. Everything else (compile, the optimizer
update, callbacks, History, ``evaluate``/``predict``, saving) is Keras'.

Use it exactly like ``keras.Model``::

    from workbook.fastfit import FastModel
    model = FastModel(inputs, outputs)          # instead of keras.Model
    model.compile(optimizer=..., loss=..., metrics=["accuracy"])
    model.fit(x, y, batch_size=..., epochs=..., validation_data=..., verbose=2)

or as the base of a model with its own ``train_step`` (the loop and the data
handling are then lean, the step is the subclass's). When ``fit`` is given
something the lean loop does not handle (sample or class weights, a
``validation_split``, generators or ``DataLoader``s, several outputs, a loss
scale optimizer, ...), it runs stock ``keras.Model.fit``;
``model.last_fit_path`` says which ran (``"fast"`` or ``"stock"``).
"""

from __future__ import annotations

import contextlib
import math

import keras
import numpy as np
import torch
import torch.nn.functional as F
from keras.src import tree
from keras.src.backend.common import global_state
from keras.src.backend.torch.core import get_device
from keras.src.layers.layer import CallContext
from keras.src.losses.losses import LossFunctionWrapper
from keras.src.models.functional import Functional, unpack_singleton

from workbook.fast_layers import lowered_call

# Layers whose code we know: they add no losses in call() and pass masks on.
_KNOWN_MODULES = ("keras.", "workbook.fused_rnn", "workbook.seq2seq", "workbook.attention")
_BATCH_HOOKS = ("on_batch_begin", "on_batch_end", "on_train_batch_begin", "on_train_batch_end")
_TEST_BATCH_HOOKS = ("on_test_batch_begin", "on_test_batch_end")


def _overrides(callback, hooks) -> bool:
    base = keras.callbacks.Callback
    return any(getattr(type(callback), hook) is not getattr(base, hook) for hook in hooks)


def _needs_batch_hooks(callback, hooks) -> bool:
    """Whether a callback does anything per batch (History and a verbose=2
    progress bar do not)."""
    if isinstance(callback, keras.callbacks.History):
        return False
    if isinstance(callback, keras.callbacks.ProgbarLogger):
        return callback.verbose == 1
    return _overrides(callback, hooks)


# ---------------------------------------------------------------- forward


def _is_mask_source(layer) -> bool:
    if isinstance(layer, keras.layers.Masking):
        return True
    if isinstance(layer, keras.layers.Embedding) and layer.mask_zero:
        return True
    # Stock layers that override compute_mask only pass a mask on (RNNs,
    # merges); an unknown layer's own compute_mask may start one.
    own = type(layer).compute_mask is not keras.layers.Layer.compute_mask
    return own and not type(layer).__module__.startswith(_KNOWN_MODULES)


def _is_plain(layer) -> bool:
    """A stock (or workbook) layer whose ``__call__`` adds nothing the lean
    path needs besides the call context: no mixed precision, no activity
    regularizer."""
    if not isinstance(layer, keras.layers.Layer) or isinstance(layer, Functional):
        return False
    if not type(layer).__module__.startswith(_KNOWN_MODULES):
        return False
    return layer.dtype_policy.name == "float32" and not getattr(layer, "activity_regularizer", None)


def _can_call_directly(layer) -> bool:
    """A plain leaf layer: no sublayers (they would miss the training flag of
    the call context). RNN layers qualify: their cell is called with an
    explicit ``training``. So do Keras' own operations that are not layers
    (``x[:, 0]`` in a functional model is a ``GetItem``)."""
    if not isinstance(layer, keras.layers.Layer):
        return (type(layer).__module__.startswith("keras.") and not layer._remat_mode
                and getattr(layer, "quantization_mode", None) is None)
    if not _is_plain(layer):
        return False
    if isinstance(layer, keras.layers.RNN):
        return True
    return not layer._flatten_layers(include_self=False, recursive=False)


def _can_inline(layer) -> bool:
    """A plain functional model (no call of its own, float32) inside another."""
    return (isinstance(layer, Functional) and type(layer).call is Functional.call
            and not isinstance(layer._inputs_struct, dict)
            and layer.dtype_policy.name == "float32")


def _getter(x):
    """values -> ``x`` with its symbolic tensors filled in; raises TypeError
    for structures other than (nested) lists and tuples."""
    if isinstance(x, keras.KerasTensor):
        key = id(x)
        return lambda values: values.get(key)
    if type(x) in (list, tuple):
        kind, items = type(x), [_getter(item) for item in x]
        return lambda values: kind([get(values) for get in items])
    if tree.is_nested(x):
        raise TypeError("not a list or tuple")
    return lambda values: x


def _filler(arguments):
    """``arguments.fill_in``, precomputed: its ``tree.map_structure`` over a
    node's arguments costs more than a small layer's arithmetic."""
    try:
        args = [_getter(x) for x in arguments.args]
        kwargs = {name: _getter(x) for name, x in arguments.kwargs.items()}
    except TypeError:
        return arguments.fill_in
    return lambda values: ([get(values) for get in args],
                           {name: get(values) for name, get in kwargs.items()})


class _Program:
    """The functional graph as a flat list of steps, run without ``__call__``."""

    def __init__(self, model: Functional):
        self.inputs = list(model.inputs)
        self.outputs = list(model.outputs)
        self.outputs_struct = model._outputs_struct
        self.model = model
        self.steps = []
        self.has_custom_layers = False
        self.needs_context = False
        known = {id(x) for x in self.inputs}
        self._build_steps(model, known)
        self.fills = [_filler(node.arguments) for node, _, _ in self.steps]

    def _build_steps(self, model, known):
        for depth in sorted(model._nodes_by_depth, reverse=True):
            for node in model._nodes_by_depth[depth]:
                if not node.operation or node.is_input:
                    continue
                if any(id(x) not in known for x in node.input_tensors):
                    continue
                op = model._get_operation_for_node(node)
                training_arg = getattr(op, "_call_has_training_arg", False)
                if _can_inline(op):
                    # A functional model used as a layer (an encoder inside a
                    # seq2seq model) runs as a program of its own.
                    inner = _Program(op)
                    self.has_custom_layers |= inner.has_custom_layers
                    self.needs_context |= inner.needs_context
                    self.steps.append((node, inner.as_call(), training_arg))
                    known.update(id(x) for x in node.outputs)
                    continue
                if not type(op).__module__.startswith(_KNOWN_MODULES):
                    self.has_custom_layers = True  # may add_loss() in call
                # A lowering (workbook.fast_layers) may cover a layer with
                # sublayers too: it calls none of them through __call__.
                fn = lowered_call(op) if _is_plain(op) else None
                if fn is None:
                    fn = op.call if _can_call_directly(op) else op
                self.needs_context |= fn is op
                self.steps.append((node, fn, training_arg))
                known.update(id(x) for x in node.outputs)

    def as_call(self):
        """``Functional.call`` of this program's model, without ``__call__``."""
        model = self.model

        def call(inputs, training=None, mask=None, **kwargs):
            # Keras records the inputs' masks with the node: all None here,
            # as masking runs stock fit.
            masks = mask if isinstance(mask, (list, tuple)) else [mask]
            if kwargs or any(m is not None for m in masks):
                return model(inputs, training=training, mask=mask, **kwargs)
            return self._run(model._standardize_inputs(inputs), training)
        return call

    def __call__(self, inputs, training):
        if not self.needs_context:
            return self._run(inputs, training)
        # Layers called through __call__ read the training flag of the call
        # context the model's own __call__ would have opened (sublayers
        # called without training=), and start with no add_loss() terms.
        previous = global_state.get_global_attribute("current_call_ctx")
        context = CallContext(entry_layer=self.model)
        context.training = training
        self.model._clear_losses()
        global_state.set_global_attribute("current_call_ctx", context)
        try:
            return self._run(inputs, training)
        finally:
            global_state.set_global_attribute("current_call_ctx", previous)

    def _run(self, inputs, training):
        values = dict(zip(map(id, self.inputs), inputs))
        for (node, fn, training_arg), fill in zip(self.steps, self.fills):
            args, kwargs = fill(values)
            if training_arg and training is not None:
                kwargs["training"] = training
            outputs = fn(*args, **kwargs)
            flat = (outputs,) if isinstance(outputs, torch.Tensor) else tree.flatten(outputs)
            for symbol, value in zip(node.outputs, flat):
                values[id(symbol)] = value
        # As Functional.call: a model with outputs=[y] returns y.
        return unpack_singleton(
            tree.pack_sequence_as(self.outputs_struct, [values[id(x)] for x in self.outputs]))


# ------------------------------------------------------- losses and metrics


def _same_shape(y, y_pred):
    return y.reshape(y_pred.shape) if y.numel() == y_pred.numel() and y.shape != y_pred.shape else y


def _lean_loss_fn(loss):
    """A torch expression for the common Keras losses (mean over the batch),
    or the Keras loss object itself."""
    if isinstance(loss, LossFunctionWrapper) and loss.reduction == "sum_over_batch_size":
        kwargs = loss._fn_kwargs
        if loss.fn is keras.losses.mean_squared_error:
            return lambda y, y_pred: torch.mean((y_pred - _same_shape(y, y_pred).to(y_pred.dtype)) ** 2)
        if (loss.fn is keras.losses.sparse_categorical_crossentropy and kwargs.get("from_logits")
                and kwargs.get("ignore_class") is None and kwargs.get("axis", -1) == -1):
            def cross_entropy(y, y_pred):
                classes = y_pred.shape[-1]
                return F.cross_entropy(y_pred.reshape(-1, classes), y.reshape(-1).long())
            return cross_entropy
    return lambda y, y_pred: loss(y, y_pred)


class _Tally:
    """A running sum kept as a tensor on the model's device; read (one sync)
    only when logs are needed."""

    def __init__(self):
        self.total = None
        self.count = 0

    def add(self, total, count):
        """Add a batch: the sum of its values (a tensor) and how many."""
        total = total.detach().to(torch.float64)
        self.total = total if self.total is None else self.total + total
        self.count += count

    def result(self):
        return float(self.total / self.count) if self.count else 0.0


class _LeanMetric:
    """A compiled metric updated per batch: accuracy on the tensor side (one
    sync per epoch), anything else through the metric's ``update_state``."""

    def __init__(self, metric):
        self.metric = metric
        self.name = metric.name
        self.tally = _Tally() if isinstance(metric, keras.metrics.SparseCategoricalAccuracy) else None

    def reset(self):
        if self.tally is not None:
            self.tally = _Tally()

    def update(self, y, y_pred):
        if self.tally is None:
            self.metric.update_state(y, y_pred)
            return
        hits = y_pred.argmax(-1) == y.reshape(y_pred.shape[:-1]).to(torch.long)
        self.tally.add(hits.sum(), hits.numel())

    def result(self) -> float:
        if self.tally is None:
            return float(self.metric.result())
        # Keep the Keras metric's own state in step, for anyone who reads it.
        self.metric.total.assign(0.0 if self.tally.total is None else float(self.tally.total))
        self.metric.count.assign(float(self.tally.count))
        return self.tally.result()


# --------------------------------------------------------------------- data


def _as_tensor(value, dtype=None):
    """A torch tensor on Keras' device; floats become float32 (floatx), as
    Keras' array adapter makes them."""
    if isinstance(value, torch.Tensor):
        tensor = value.detach()
    else:
        tensor = torch.from_numpy(np.ascontiguousarray(value))
    if dtype is None and tensor.is_floating_point():
        dtype = torch.float32
    return tensor.to(device=get_device(), dtype=dtype)


def _is_array(value) -> bool:
    return isinstance(value, (np.ndarray, torch.Tensor))


class _ArrayBatches:
    """Arrays converted once; each epoch a (shuffled) order of row batches."""

    def __init__(self, x, y, batch_size, shuffle, input_dtypes):
        xs = x if isinstance(x, (list, tuple)) else [x]
        self.xs = [_as_tensor(v, dtype) for v, dtype in zip(xs, input_dtypes)]
        self.y = _as_tensor(y)
        self.batch_size = batch_size or 32
        self.shuffle = shuffle
        self.num_rows = len(self.y)
        self.num_batches = math.ceil(self.num_rows / self.batch_size)

    def epoch(self):
        order = torch.randperm(self.num_rows).to(self.y.device) if self.shuffle else None
        for start in range(0, self.num_rows, self.batch_size):
            if order is None:
                rows = slice(start, start + self.batch_size)
            else:
                rows = order[start : start + self.batch_size]
            yield [v[rows] for v in self.xs], self.y[rows]

    def start(self):
        pass

    def end_epoch(self):
        pass


class _DatasetBatches:
    """A single-process ``keras.utils.PyDataset`` yielding ``(x, y)``."""

    def __init__(self, dataset, input_dtypes):
        self.dataset = dataset
        self.input_dtypes = input_dtypes
        self.num_batches = len(dataset)

    def start(self):
        # Keras' fit resets its iterator once after building the model, which
        # ends an epoch of the data set (reshuffling it): do the same, so
        # that both see the same batches.
        self.dataset.on_epoch_end()

    def epoch(self):
        self.dataset.on_epoch_begin()
        for index in range(self.num_batches):
            x, y = self.dataset[index]
            xs = x if isinstance(x, (list, tuple)) else [x]
            yield [_as_tensor(v, d) for v, d in zip(xs, self.input_dtypes)], _as_tensor(y)

    def end_epoch(self):
        self.dataset.on_epoch_end()


def _plain_dataset(data) -> bool:
    if not isinstance(data, keras.utils.PyDataset) or len(data) == 0:
        return False
    if getattr(data, "workers", 1) > 1 or getattr(data, "use_multiprocessing", False):
        return False
    first = data[0]
    return isinstance(first, tuple) and len(first) == 2


class _LeanState:
    """What the lean loop precomputes for one ``fit``."""

    def __init__(self, model):
        self.program = _Program(model)
        self.trainable = list(model.trainable_weights)
        self.regularized = [(v, v.regularizer) for v in self.trainable
                            if getattr(v, "regularizer", None) is not None]
        self.metrics = []
        self.in_loop = False  # True while fit's batches run
        if model._custom_step is None:
            _, loss, self.loss_weight, _ = model._compile_loss._flat_losses[0]
            self.loss_fn = _lean_loss_fn(loss)
            lists = model._compile_metrics._flat_metrics if model._compile_metrics else []
            self.metrics = [_LeanMetric(m) for group in lists if group for m in group.metrics]


# -------------------------------------------------------------------- model


@keras.saving.register_keras_serializable(package="workbook")
class FastModel(keras.Model):
    """``keras.Model`` with a lean ``fit`` (see the module docstring)."""

    last_fit_path: str | None = None

    def _lean_reason(self, x, y, kwargs) -> str | None:
        """Why the lean loop cannot run this ``fit`` (None when it can)."""
        if not isinstance(self, Functional):
            return "not a functional model"
        if isinstance(self._inputs_struct, dict):
            return "dict inputs"
        if any(_is_mask_source(layer) for layer in self._flatten_layers()):
            return "masking (the loss and the layers need Keras' mask propagation)"
        for name in ("sample_weight", "class_weight", "steps_per_epoch", "validation_steps"):
            if kwargs.get(name) is not None:
                return name
        if kwargs.get("validation_split") or kwargs.get("initial_epoch") or kwargs.get("validation_freq", 1) != 1:
            return "validation_split / initial_epoch / validation_freq"
        if isinstance(self.optimizer, keras.optimizers.LossScaleOptimizer) or self.jit_compile:
            return "loss scaling or jit_compile"
        if self._custom_step is None:
            if len(self.outputs) != 1 or self._compile_loss is None:
                return "needs one output and a compiled loss"
        if not self._data_ok(x, y):
            return "data is neither arrays nor a plain PyDataset"
        validation = kwargs.get("validation_data")
        if validation is not None:
            if isinstance(validation, (list, tuple)):
                if len(validation) != 2 or not self._data_ok(*validation):
                    return "validation_data"
            elif not _plain_dataset(validation):
                return "validation_data"
        return None

    @staticmethod
    def _data_ok(x, y) -> bool:
        if y is None:
            return _plain_dataset(x)
        xs = x if isinstance(x, (list, tuple)) else [x]
        return _is_array(y) and all(_is_array(v) for v in xs)

    @property
    def _custom_step(self):
        """The subclass's own ``train_step``, if it has one."""
        if type(self).train_step is keras.Model.train_step:
            return None
        return self.train_step

    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            shuffle=True, **kwargs):
        self._assert_compile_called("fit")
        reason = self._lean_reason(x, y, kwargs)
        if reason is not None:
            self.last_fit_path = "stock"
            self.last_fit_reason = reason
            return super().fit(x, y, batch_size=batch_size, epochs=epochs, verbose=verbose,
                               callbacks=callbacks, shuffle=shuffle, **kwargs)
        self.last_fit_path, self.last_fit_reason = "fast", None
        dtypes = [_torch_dtype(t.dtype) for t in self.inputs]
        train = self._batches(x, y, batch_size, shuffle, dtypes)
        validation = kwargs.get("validation_data")
        if validation is not None:
            vx, vy = validation if isinstance(validation, (list, tuple)) else (validation, None)
            validation = self._batches(vx, vy, kwargs.get("validation_batch_size") or batch_size,
                                       False, dtypes)
        return self._lean_fit(train, validation, epochs, verbose, callbacks)

    @staticmethod
    def _batches(x, y, batch_size, shuffle, dtypes):
        if y is None:
            return _DatasetBatches(x, dtypes)
        return _ArrayBatches(x, y, batch_size, shuffle, dtypes)

    def _prepare(self, first_batch):
        xs, y = first_batch
        self._symbolic_build(data_batch=(xs if len(xs) > 1 else xs[0], y))
        # A plain object: Keras would track lists of variables or metrics
        # assigned to the model itself and add them to its weights.
        self._lean = _LeanState(self)
        if self.optimizer is not None and not self.optimizer.built:
            self.optimizer.build(self._lean.trainable)

    # -- one step ---------------------------------------------------------

    def _loss(self, y, y_pred):
        loss = self._lean.loss_fn(y, y_pred)
        if self._lean.loss_weight is not None:
            loss = loss * self._lean.loss_weight
        if self._lean.program.has_custom_layers:
            extra = self.losses  # add_loss() terms and weight regularizers
        else:
            extra = [regularizer(v) for v, regularizer in self._lean.regularized]
        for term in extra:
            loss = loss + torch.sum(term)
        return loss

    def _lean_train_step(self, xs, y, tally):
        y_pred = self._lean.program(xs, training=True)
        loss = self._loss(y, y_pred)
        for v in self._lean.trainable:
            v.value.grad = None
        loss.backward()
        with torch.no_grad():
            self.optimizer.apply([v.value.grad for v in self._lean.trainable], self._lean.trainable)
            tally.add(loss * len(y), len(y))
            for metric in self._lean.metrics:
                metric.update(y, y_pred)

    def _lean_test_step(self, xs, y, tally):
        with torch.no_grad():
            y_pred = self._lean.program(xs, training=False)
            tally.add(self._loss(y, y_pred) * len(y), len(y))
            for metric in self._lean.metrics:
                metric.update(y, y_pred)

    def __call__(self, *args, **kwargs):
        # Inside the lean loop a subclass's own train_step calling
        # self(x, training=...) on the loop's tensors gets the lean forward.
        lean = self.__dict__.get("_lean")
        if (lean is not None and lean.in_loop and len(args) == 1 and set(kwargs) <= {"training"}):
            xs = args[0] if isinstance(args[0], (list, tuple)) else [args[0]]
            if len(xs) == len(lean.program.inputs) and all(isinstance(x, torch.Tensor) for x in xs):
                return lean.program(xs, training=kwargs.get("training"))
        return super().__call__(*args, **kwargs)

    def _run_epoch(self, batches, training, callbacks, batch_hooks):
        """One pass over the batches; returns the epoch's logs."""
        self.reset_metrics()
        custom = self._custom_step if training else (
            None if type(self).test_step is keras.Model.test_step else self.test_step)
        tally = _Tally()
        if custom is None:
            for metric in self._lean.metrics:
                metric.reset()
        step_logs = {}
        begin, end = (("on_train_batch_begin", "on_train_batch_end") if training
                      else ("on_test_batch_begin", "on_test_batch_end"))
        self._lean.in_loop = True
        try:
            for index, (xs, y) in enumerate(batches.epoch()):
                if batch_hooks:
                    getattr(callbacks, begin)(index)
                if custom is not None:
                    with contextlib.nullcontext() if training else torch.no_grad():
                        step_logs = custom((xs if len(xs) > 1 else xs[0], y))
                elif training:
                    self._lean_train_step(xs, y, tally)
                else:
                    self._lean_test_step(xs, y, tally)
                if batch_hooks:
                    getattr(callbacks, end)(index, self._logs(custom, step_logs, tally))
                if training and self.stop_training:
                    break
        finally:
            self._lean.in_loop = False
        batches.end_epoch()
        return self._logs(custom, step_logs, tally)

    def _logs(self, custom, step_logs, tally):
        if custom is not None:
            return dict(self._get_metrics_result_or_logs(step_logs))
        logs = {"loss": tally.result()}
        for metric in self._lean.metrics:
            logs[metric.name] = metric.result()
        return logs

    def _lean_fit(self, train, validation, epochs, verbose, callbacks):
        first = next(iter(train.epoch()))
        self._prepare(first)
        train.start()
        if not isinstance(callbacks, keras.callbacks.CallbackList):
            callbacks = keras.callbacks.CallbackList(
                callbacks, add_history=True, add_progbar=verbose != 0, verbose=verbose,
                epochs=epochs, steps=train.num_batches, model=self)
        train_hooks = any(_needs_batch_hooks(c, _BATCH_HOOKS) for c in callbacks.callbacks)
        test_hooks = any(_needs_batch_hooks(c, _TEST_BATCH_HOOKS) for c in callbacks.callbacks)
        self.stop_training = False
        epoch_logs = {}
        callbacks.on_train_begin()
        for epoch in range(epochs):
            callbacks.on_epoch_begin(epoch)
            self.train()
            epoch_logs = self._run_epoch(train, True, callbacks, train_hooks)
            self.eval()
            if validation is not None:
                callbacks.on_test_begin()
                val_logs = self._run_epoch(validation, False, callbacks, test_hooks)
                callbacks.on_test_end(val_logs)
                epoch_logs.update({f"val_{name}": value for name, value in val_logs.items()})
            callbacks.on_epoch_end(epoch, epoch_logs)
            if self.stop_training:
                break
        if isinstance(self.optimizer, keras.optimizers.Optimizer) and epochs > 0:
            self.optimizer.finalize_variable_values(self._lean.trainable)
        callbacks.on_train_end(logs=epoch_logs)
        return self.history


def _torch_dtype(keras_dtype: str):
    return getattr(torch, keras.backend.standardize_dtype(keras_dtype))
