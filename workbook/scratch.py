"""The hand-written minibatch SGD step that the scratch models share.

Chapter 3's regression and ``workbook.classification.ScratchSGDClassifier``
both train by this one step, so that the update the reader studies in
chapter 3 is, line for line, the update every later scratch model uses.
"""

from __future__ import annotations

import math

import torch


def sgd_step(variables, loss, learning_rate: float) -> None:
    """``v <- v - learning_rate * d loss / d v`` for every Keras variable.

    ``loss`` is a scalar torch tensor computed from the variables (on the
    torch backend every ``keras.Variable`` wraps a ``torch.nn.Parameter``,
    its ``.value``). Old gradients are cleared first: torch *adds* the
    gradients of each ``backward`` to whatever ``.grad`` already holds.
    """
    if not (isinstance(learning_rate, (int, float)) and math.isfinite(learning_rate)):
        raise ValueError(f"learning_rate must be a finite number, got {learning_rate!r}")
    variables = list(variables)
    for variable in variables:
        variable.value.grad = None
    loss.backward()
    with torch.no_grad():
        for variable in variables:
            if variable.value.grad is None:
                raise ValueError(f"the loss does not depend on {variable.path}; nothing to update")
            variable.assign_sub(learning_rate * variable.value.grad)
