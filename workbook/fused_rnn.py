"""Keras recurrent layers that run the whole sequence in one fused torch kernel.

On the torch backend Keras runs ``LSTM`` and ``GRU`` through cuDNN only on a
GPU; on a CPU it loops over the time steps in Python, and ``SimpleRNN``
always does. ``FusedLSTM``, ``FusedGRU`` and ``FusedSimpleRNN`` are the stock
layers (same arguments, same variables in the same layout, so weights copy
both ways with ``get_weights``/``set_weights``; same ``return_sequences``,
``return_state``, ``initial_state``, ``go_backwards``, ``stateful``; saved
and loaded as ``.keras`` files) whose sequence loop is one call of
``torch._VF.lstm`` / ``gru`` / ``rnn_tanh`` / ``rnn_relu``, on CPU and GPU.

The fused kernel computes the stock layer's arithmetic only for the standard
configuration; anything else runs the stock loop (``last_path`` records
which ran): a mask, ``unroll=True``, dropout or recurrent dropout while
training, activations other than tanh/sigmoid (tanh or relu for
``SimpleRNN``), and ``reset_after=False`` for the GRU (torch's GRU applies the
reset gate after the recurrent matmul, which is Keras' ``reset_after=True``).
"""

from __future__ import annotations

import keras
import torch
from keras.src import tree

_TANH = (keras.activations.tanh, keras.ops.tanh, torch.tanh)
_SIGMOID = (keras.activations.sigmoid, keras.ops.sigmoid, torch.sigmoid)
_RELU = (keras.activations.relu, keras.ops.relu, torch.relu)


def _tensor(variable):
    return keras.ops.convert_to_tensor(variable)  # the torch Parameter, grads flow


def _bias_pair(bias, size):
    """Torch's input and recurrent biases; Keras has one (LSTM, SimpleRNN)."""
    bias = _tensor(bias)
    return [bias, torch.zeros(size, dtype=bias.dtype, device=bias.device)]


class _FusedMixin:
    """``inner_loop`` in one fused kernel where the configuration allows."""

    last_path: str | None = None

    def _fused_reason(self, mask, training):
        cell = self.cell
        if mask is not None:
            return "mask"
        if self.unroll:
            return "unroll"
        if training and (cell.dropout or cell.recurrent_dropout):
            return "dropout"
        return self._activation_reason()

    def inner_loop(self, sequences, initial_state, mask, training=False):
        if tree.is_nested(mask):
            mask = mask[0]
        reason = self._fused_reason(mask, training)
        if reason is not None:
            self.last_path = f"stock ({reason})"
            return super().inner_loop(sequences, initial_state, mask, training=training)
        self.last_path = "fused"
        kernel = _tensor(self.cell.kernel)
        inputs = keras.ops.convert_to_tensor(sequences).to(kernel.dtype)
        if self.go_backwards:
            inputs = torch.flip(inputs, dims=[1])
        # unsqueeze makes a view: a stateful layer's states are its variables,
        # which RNN.call overwrites in place after this step, so copy them
        # (stock Keras 3.15 on CPU fails backward() here).
        states = [keras.ops.convert_to_tensor(s).to(kernel.dtype).unsqueeze(0)
                  for s in tree.flatten(initial_state)]
        if self.stateful:
            states = [state.clone() for state in states]
        params = self._torch_params(kernel, _tensor(self.cell.recurrent_kernel))
        has_bias = self.cell.bias is not None
        outputs, *final = self._kernel(inputs, states, params, has_bias)
        return outputs[:, -1], outputs, [state.squeeze(0) for state in final]

    @staticmethod
    def _vf_args(has_bias):
        # has_biases, num_layers, dropout, train, bidirectional, batch_first
        return has_bias, 1, 0.0, torch.is_grad_enabled(), False, True


@keras.saving.register_keras_serializable(package="workbook")
class FusedLSTM(_FusedMixin, keras.layers.LSTM):
    """``keras.layers.LSTM`` running in ``torch._VF.lstm`` (see the module)."""

    def _activation_reason(self):
        ok = self.cell.activation in _TANH and self.cell.recurrent_activation in _SIGMOID
        return None if ok else "activation"

    def _torch_params(self, kernel, recurrent_kernel):
        # Keras and torch share the gate order i, f, c, o.
        params = [kernel.T.contiguous(), recurrent_kernel.T.contiguous()]
        if self.cell.bias is not None:
            params += _bias_pair(self.cell.bias, 4 * self.units)
        return params

    def _kernel(self, inputs, states, params, has_bias):
        outputs, h, c = torch._VF.lstm(inputs, states, params, *self._vf_args(has_bias))
        return outputs, h, c


def _gru_gates(tensor, dim):
    """Keras' gate order z, r, h to torch's r, z, h."""
    z, r, h = torch.chunk(tensor, 3, dim=dim)
    return torch.cat([r, z, h], dim=dim)


@keras.saving.register_keras_serializable(package="workbook")
class FusedGRU(_FusedMixin, keras.layers.GRU):
    """``keras.layers.GRU`` (``reset_after=True``) running in ``torch._VF.gru``."""

    def _activation_reason(self):
        if not self.cell.reset_after:
            return "reset_after=False"
        ok = self.cell.activation in _TANH and self.cell.recurrent_activation in _SIGMOID
        return None if ok else "activation"

    def _torch_params(self, kernel, recurrent_kernel):
        params = [_gru_gates(kernel, 1).T.contiguous(), _gru_gates(recurrent_kernel, 1).T.contiguous()]
        if self.cell.bias is not None:
            bias = _tensor(self.cell.bias)  # (2, 3 units): input and recurrent biases
            params += [_gru_gates(bias[0], 0), _gru_gates(bias[1], 0)]
        return params

    def _kernel(self, inputs, states, params, has_bias):
        return torch._VF.gru(inputs, states[0], params, *self._vf_args(has_bias))


@keras.saving.register_keras_serializable(package="workbook")
class FusedSimpleRNN(_FusedMixin, keras.layers.SimpleRNN):
    """``keras.layers.SimpleRNN`` (tanh or relu) in ``torch._VF.rnn_tanh/relu``."""

    def _activation_reason(self):
        return None if self.cell.activation in _TANH + _RELU else "activation"

    def _torch_params(self, kernel, recurrent_kernel):
        params = [kernel.T.contiguous(), recurrent_kernel.T.contiguous()]
        if self.cell.bias is not None:
            params += _bias_pair(self.cell.bias, self.units)
        return params

    def _kernel(self, inputs, states, params, has_bias):
        run = torch._VF.rnn_tanh if self.cell.activation in _TANH else torch._VF.rnn_relu
        return run(inputs, states[0], params, *self._vf_args(has_bias))


__all__ = ["FusedGRU", "FusedLSTM", "FusedSimpleRNN"]
