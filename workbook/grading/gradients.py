"""Student side: a result together with its gradient with respect to the
argument tensors that require one (``tensor(..., requires_grad=True)``).

For exercises that say "use keras.ops, so that autograd can differentiate
it": a check asks for the gradient of ``sum(cotangent * result)`` (of
``sum(result)`` without a cotangent) and compares it with its own. A result
computed outside the graph (NumPy, ``float()``, ``.detach()``) has no
gradient: its entry is None.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def _grad_leaves(value: Any, found: list) -> list:
    import torch

    if isinstance(value, torch.Tensor):
        if value.requires_grad and value.is_leaf:
            found.append(value)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _grad_leaves(item, found)
    elif isinstance(value, dict):
        for item in value.values():
            _grad_leaves(item, found)
    return found


def with_gradients(result: Any, args, kwargs: dict, cotangent: Any = None) -> dict:
    """{"value": result, "gradients": [one per argument tensor that requires
    a gradient, in argument order; None where the result does not depend on
    it differentiably]}."""
    import torch

    inputs = _grad_leaves([list(args), kwargs], [])
    gradients: list = [None] * len(inputs)
    if inputs and isinstance(result, torch.Tensor) and result.requires_grad:
        weight = None if cotangent is None else np.asarray(cotangent, dtype=np.float64)
        if weight is None or weight.shape == tuple(result.shape):
            weighted = result if weight is None else result * torch.as_tensor(
                weight, dtype=result.dtype, device=result.device)
            found = torch.autograd.grad(weighted.sum(), inputs, allow_unused=True)
            gradients = [None if g is None else g.detach() for g in found]
    return {"value": result, "gradients": gradients}
