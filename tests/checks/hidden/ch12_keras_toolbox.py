"""Hidden checks for chapter 12 (instructors only).

Each check runs the telling cases by name (remainders 0, 1 and k - 1 of a
batch split, strides that do not divide, c_in != c_out both ways, momentum 0
and not, no hidden layer and several, logits from 0.01 to 10^4 in one call),
then random draws from ``rng``. References are written here in float64 (torch
where a gradient is compared), never taken from the worker; each check also
reruns the visible check's case so a stale literal there fails the solution.
"""

import numpy as np

from visible_checks import (
    bce_notes, batch_indices_notes, conv_arithmetic_notes, course_cnn_mnist, expect_batch_plan,
    expect_classifier, expect_conv_size, expect_dense_stack, expect_param_count,
    expect_transposed_size, expect_value_error, focal_notes, index_batches, linear_search_course,
    log_softmax_rows, nll_kl_notes,
    penalties_small, residual_zero, sce_notes, sgd_autograd_course, softmax_ce_notes, tabular_small,
    weight_decay_small,
)
from workbook.grading import (
    CheckFailed, Checks, expect_close, expect_equal, expect_functional, expect_number_close,
    expect_numbers, expect_python_number, expect_sequence, expect_source_avoids, expect_true,
)
from workbook.grading.expect import expect_value_and_gradients

checks = Checks("ch12")

# Rows of very different size in one call: a shift by the batch's maximum
# (not each row's), a log of a sigmoid or a softmax, or no shift at all is
# exact for some rows and inf, NaN or wrong for others.
SCALES = np.array([0.01, 1.0, 30.0, 3000.0, 1e4])


def mixed_logits(rng, rows_per_scale, classes):
    z = rng.normal(size=(len(SCALES) * rows_per_scale, classes))
    return z * np.repeat(SCALES, rows_per_scale)[:, None]


def expect_value_and_gradient(student, name, args, grad_index, reference, what, **kwargs):
    """name(*args, **kwargs), argument grad_index requiring gradients, matches
    reference in value and gradient (see workbook.grading.expect_value_and_gradients).
    float32's tolerances for the gradient: 1 - p for p near 1 keeps only about 4
    digits (softmax, sigmoid), and atol 2e-5 covers float32 rounding of softmax
    terms scaled by -2 log(1e-4) = 18.4 in the SCE."""
    cotangent_rng = np.random.default_rng(len(what))
    expect_value_and_gradients(
        student, name, args, reference, what, grad_args=[grad_index], call_kwargs=kwargs,
        cotangent=lambda shape: cotangent_rng.uniform(0.5, 1.5, size=shape),
        rtol=1e-4, atol=1e-7, grad_rtol=1e-3, grad_atol=2e-5)


# ------------------------------------------------------ 12.1 data pipelines


@checks.hidden("ch12.batch_indices",
               message="batch_indices for remainders 0, 1 and k - 1, a batch larger than the data and "
               "batches of 1, with and without shuffling and drop_last; the same seed gives the same "
               "order, other seeds other orders (whole-epoch shuffles, without repeats); batch_size 0 "
               "raises ValueError")
def batch_indices_hidden(student, rng):
    batch_indices_notes(student, rng)
    k = int(rng.integers(3, 9))
    cases = [(12, 4), (13, 4), (15, 4), (3, 5), (5, 1), (1, 1), (k * int(rng.integers(2, 6)) + int(rng.integers(0, k)), k)]
    for n, batch_size in cases:
        for shuffle in (False, True):
            for drop_last in (False, True):
                expect_batch_plan(student, n, batch_size, shuffle, drop_last, int(rng.integers(10_000)))
    n, batch_size = 40, 5
    seeds = [int(s) for s in rng.choice(10_000, size=4, replace=False)]
    orders = [np.concatenate(index_batches(student, n, batch_size, True, False, s, f"seed {s}")).tolist()
              for s in seeds]
    again = np.concatenate(index_batches(student, n, batch_size, True, False, seeds[0], "again")).tolist()
    expect_equal(again, orders[0], f"the order for seed {seeds[0]} asked twice")
    expect_true(len({tuple(o) for o in orders}) == len(orders),
                "different seeds give the same order: pass the seed to the random generator")
    # a whole-epoch shuffle puts other examples than 0..4 into the first batch
    expect_true(any(sorted(o[:batch_size]) != list(range(batch_size)) for o in orders),
                "the first batch is always 0..4: shuffle the whole epoch, not within each batch")
    defaults = [b.tolist() for b in index_batches_defaults(student)]
    expect_equal(defaults, [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]],
                 "batch_indices(10, 3) with the default shuffle=False, drop_last=False")
    expect_value_error(student, "batch_indices", 10, 0)
    expect_value_error(student, "batch_indices", 10, 0, drop_last=True)
    expect_value_error(student, "batch_indices", 10, -2, shuffle=True, seed=1)


def index_batches_defaults(student):
    batches = student.call("batch_indices", 10, 3)
    if not isinstance(batches, (list, tuple)):
        raise CheckFailed("batch_indices(10, 3) should be a list of index arrays")
    return [np.asarray(b) for b in batches]


# ------------------------------------------------- 12.2 the layer catalogue


def ref_conv(n, k, s=1, p=0, d=1):
    return (n + 2 * p - d * (k - 1) - 1) // s + 1


def ref_transposed(n, k, s=1, p=0, op=0, d=1):
    return (n - 1) * s - 2 * p + d * (k - 1) + op + 1


def ref_params(c_in, c_out, k, groups=1, separable=False):
    if separable:
        return k * k * c_in + c_in * c_out + c_out
    return k * k * (c_in // groups) * c_out + c_out


def torch_sizes(n, k, s, p, d, op):
    """What torch itself says, to keep the references honest."""
    import torch

    x = torch.zeros(1, 1, n)
    out = torch.nn.functional.conv1d(x, torch.zeros(1, 1, k), stride=s, padding=p, dilation=d)
    back = torch.nn.functional.conv_transpose1d(x, torch.zeros(1, 1, k), stride=s, padding=p,
                                                output_padding=op, dilation=d)
    return out.shape[-1], back.shape[-1]


@checks.hidden("ch12.conv_arithmetic",
               message="conv and transposed sizes match torch for strides that do not divide, padding "
               "0, 1 and k - 1, dilation 1 to 3 and output_padding; parameter counts for grouped, "
               "depthwise and separable layers with c_in != c_out both ways")
def conv_arithmetic_hidden(student, rng):
    conv_arithmetic_notes(student, rng)
    cases = [(7, 3, 2, 0, 1, 1), (8, 3, 3, 1, 1, 2), (10, 3, 2, 2, 2, 1), (9, 2, 1, 1, 3, 0),
             (6, 1, 2, 0, 1, 1), (11, 4, 3, 3, 2, 2)]
    k = int(rng.integers(1, 6))
    s = int(rng.integers(1, 4))
    d = int(rng.integers(1, 4))
    cases.append((int(rng.integers(d * (k - 1) + 1, 40)), k, s, int(rng.integers(0, k)), d,
                  int(rng.integers(0, max(s, d)))))
    for n, k, s, p, d, op in cases:
        conv, back = torch_sizes(n, k, s, p, d, op)
        expect_true(conv == ref_conv(n, k, s, p, d) and back == ref_transposed(n, k, s, p, op, d),
                    "internal: the references disagree with torch")
        expect_conv_size(student, (n, k, s, p, d), conv)
        expect_transposed_size(student, (n, k, s, p, op, d), back)
    g = int(rng.integers(2, 5))
    param_cases = [((8, 16, 3), {"groups": 4}), ((16, 8, 3), {"groups": 4}), ((12, 12, 5), {"groups": 12}),
                   ((6, 10, 3), {"separable": True}), ((10, 6, 1), {"separable": True}),
                   ((3, 5, 7), {}), ((g * 3, g * 5, int(rng.integers(1, 6))), {"groups": g})]
    for args, kwargs in param_cases:
        expect_param_count(student, args, kwargs, ref_params(*args, **kwargs))


# ------------------------------------------------ 12.6 practice problems


def ref_gd(x, y, w, lr, epochs):
    costs = []
    for _ in range(epochs):
        costs.append(np.mean((x * w - y) ** 2))
        w -= lr * np.mean(2 * x * (x * w - y))
    return w, costs


@checks.hidden("ch12.linear_search",
               message="mse_for_w on random data and w's (negative ones too), one w and many; "
               "batch_gradient_descent for 1 epoch and many, the cost recorded before each update")
def linear_search_hidden(student, rng):
    linear_search_course(student, rng)
    for n, m in [(1, 1), (4, 7), (int(rng.integers(2, 30)), int(rng.integers(2, 30)))]:
        x, y = rng.normal(size=n), rng.normal(size=n) * 3
        ws = rng.uniform(-4, 4, size=m)
        expect_close(student.call("mse_for_w", x, y, ws),
                     [np.mean((w * x - y) ** 2) for w in ws], what=f"mse_for_w on {n} points and {m} w's")
    for epochs in (1, 2, int(rng.integers(5, 50))):
        x = rng.uniform(0.5, 2.0, size=int(rng.integers(2, 8)))
        y = 1.5 * x + rng.normal(size=x.size) * 0.1
        w0, lr = float(rng.normal()), float(rng.uniform(0.01, 0.1))
        w, costs = expect_sequence(student.call("batch_gradient_descent", x, y, w0, lr, epochs), 2,
                                   "batch_gradient_descent(...)")
        want_w, want_costs = ref_gd(x, y, w0, lr, epochs)
        expect_number_close(expect_python_number(w, "w"), want_w, rtol=1e-6, atol=1e-9,
                            what=f"w after {epochs} epochs")
        expect_close(expect_numbers(costs, what="the costs"), want_costs, rtol=1e-6, atol=1e-9,
                     what=f"the costs of {epochs} epochs")


def ref_sgd(x, y, w, lr, epochs):
    losses = []
    for _ in range(epochs):
        for xi, yi in zip(x, y):
            loss = (xi * w - yi) ** 2
            w -= lr * 2 * xi * (xi * w - yi)
        losses.append(loss)
    return w, losses


@checks.hidden("ch12.sgd_autograd",
               message="sgd_autograd on random data for 1 epoch and many: one update per example with "
               "the gradient of that example only (zeroed after each step), the loss before the last "
               "update of each epoch")
def sgd_autograd_hidden(student, rng):
    sgd_autograd_course(student, rng)
    for n, epochs in [(2, 1), (3, 2), (int(rng.integers(2, 6)), int(rng.integers(3, 15)))]:
        x = rng.uniform(0.5, 2.0, size=n)
        y = float(rng.uniform(-2, 2)) * x + rng.normal(size=n) * 0.2
        w0, lr = float(rng.normal()), float(rng.uniform(0.02, 0.08))
        w, losses = expect_sequence(student.call("sgd_autograd", x.tolist(), y.tolist(), w0, lr, epochs), 2,
                                    "sgd_autograd(...)")
        want_w, want_losses = ref_sgd(x, y, w0, lr, epochs)
        expect_number_close(expect_python_number(w, "w"), want_w, rtol=1e-5, atol=1e-6,
                            what=f"w after {epochs} epochs of {n} examples")
        expect_close(expect_numbers(losses, what="the losses"), want_losses, rtol=1e-4, atol=1e-6,
                     what="the losses")


# --------------------------------------------- 12.3 losses and identities


def torch_bce_logits(y, z):
    import torch

    return torch.clamp(z, min=0) - z * y + torch.log1p(torch.exp(-torch.abs(z)))


def torch_bce(y, p, eps=1e-7):
    import torch

    p = torch.clamp(p, eps, 1 - eps)
    return -(y * torch.log(p) + (1 - y) * torch.log(1 - p))


@checks.hidden("ch12.bce",
               message="bce_with_logits at logits from 0.01 to 10^4 of both signs in one call (no "
               "overflow, the exact value z for a confident mistake), soft labels, and its gradient "
               "sigmoid(z) - y; bce on probabilities clipped to [1e-7, 1 - 1e-7], and its gradient")
def bce_hidden(student, rng):
    bce_notes(student, rng)
    z = np.concatenate([SCALES, -SCALES, rng.normal(size=6) * 5])
    for y in (np.tile([1.0, 0.0], z.size // 2 + 1)[:z.size], rng.integers(0, 2, size=z.size) * 1.0,
              rng.uniform(size=z.size)):
        expect_value_and_gradient(student, "bce_with_logits", (y, z), 1, torch_bce_logits,
                                  "bce_with_logits on mixed-scale logits")
    import torch

    # p = 0 and 1 with both labels: clipped to 1e-7 and 1 - 1e-7, whose float32 and float64
    # roundings differ by 1% in the loss (log(1.19e-7) vs log(1e-7)); unclipped they are infinite
    p = np.concatenate([[0.0, 1.0, 0.0, 1.0, 1e-9, 1 - 1e-9], rng.uniform(0.01, 0.99, size=8)])
    y = np.concatenate([[0.0, 0.0, 1.0, 1.0], rng.integers(0, 2, size=p.size - 4) * 1.0])
    expect_close(student.call("bce", y, p), torch_bce(torch.tensor(y), torch.tensor(p)).numpy(),
                 rtol=2e-2, what="bce with probabilities 0 and 1 (clipped)")
    inner = rng.uniform(0.05, 0.95, size=8)
    expect_value_and_gradient(student, "bce", (rng.uniform(size=8), inner), 1, torch_bce,
                              "bce on probabilities")


def torch_softmax(z):
    import torch

    return torch.softmax(z, dim=1)


def torch_ce(labels, z):
    import torch

    return torch.nn.functional.cross_entropy(z, labels.long(), reduction="none")


@checks.hidden("ch12.softmax_ce",
               message="softmax and cross_entropy on rows whose logits range from 0.01 to 10^4 in one "
               "call (each row shifted by its own maximum), rows that sum to 1, 2 and 7 classes, and "
               "the gradient of the cross-entropy, softmax(z) - one_hot")
def softmax_ce_hidden(student, rng):
    softmax_ce_notes(student, rng)
    for classes in (2, 7, int(rng.integers(3, 12))):
        z = mixed_logits(rng, 2, classes)
        labels = rng.integers(0, classes, size=len(z))
        expect_value_and_gradient(student, "softmax", (z,), 0, torch_softmax,
                                  f"softmax of mixed-scale logits with {classes} classes")
        expect_value_and_gradient(student, "cross_entropy", (labels, z), 1, torch_ce,
                                  f"cross_entropy of mixed-scale logits with {classes} classes")


def torch_nll(labels, log_probs):
    import torch

    return torch.nn.functional.nll_loss(log_probs, labels.long())


def torch_kl(p, q):
    import torch

    terms = torch.where(p > 0, p * (torch.log(torch.where(p > 0, p, 1.0)) - torch.log(q)), 0.0)
    return terms.sum(dim=1)


@checks.hidden("ch12.nll_kl",
               message="nll_loss is torch's NLLLoss (the mean over rows of minus each row's label "
               "entry) on log-probabilities of several shapes, with its gradient; kl_divergence per "
               "row with zeros in p (0 log 0 = 0), non-uniform q, equal to cross-entropy minus "
               "entropy, with its gradient in q and in p (0 where p = 0)")
def nll_kl_hidden(student, rng):
    nll_kl_notes(student, rng)
    for rows, classes in [(1, 2), (4, 3), (int(rng.integers(2, 20)), int(rng.integers(2, 10)))]:
        log_probs = log_softmax_rows(mixed_logits(rng, 1, classes)[:rows] if rows <= 5
                                     else rng.normal(size=(rows, classes)) * 4)
        labels = rng.integers(0, classes, size=len(log_probs))
        expect_value_and_gradient(student, "nll_loss", (labels, log_probs), 1, torch_nll,
                                  f"nll_loss on {len(log_probs)} rows of {classes} classes")
        p = rng.dirichlet(np.ones(classes), size=len(log_probs))
        p[0] = np.eye(classes)[labels[0]]  # a one-hot row: zeros in p
        if classes > 2:
            p[-1, 0] = 0.0
            p[-1] /= p[-1].sum()
        q = rng.dirichlet(np.ones(classes) * 0.5, size=len(log_probs)) * 0.999 + 0.001 / classes
        expect_value_and_gradient(student, "kl_divergence", (p, q), 1, torch_kl,
                                  f"kl_divergence with zeros in p ({classes} classes)")
        # in p too: log p - log q + 1 where p > 0, and 0 (not NaN) where p = 0
        expect_value_and_gradient(student, "kl_divergence", (p, q), 0, torch_kl,
                                  f"kl_divergence with zeros in p ({classes} classes), in p")


def torch_focal(alpha, gamma):
    def focal(y, z):
        import torch

        bce = torch_bce_logits(y, z)
        p = torch.sigmoid(z)
        p_t = y * p + (1 - y) * (1 - p)
        alpha_t = y * alpha + (1 - y) * (1 - alpha)
        return alpha_t * (1 - p_t) ** gamma * bce
    return focal


@checks.hidden("ch12.focal",
               message="focal_from_logits at logits from 0.01 to 10^4 of both signs in one call, for "
               "alpha 0.25, 0.5 and 0.9 and gamma 0, 1 and 2.5 (gamma 0 and alpha 0.5 is half the BCE), "
               "alpha weighting the positives, with its gradient; no Keras or workbook focal loss")
def focal_hidden(student, rng):
    focal_notes(student, rng)
    expect_source_avoids(student, "ch12.focal", ["BinaryFocalCrossentropy", "FocalLoss", "losses"],
                         what="focal_from_logits")
    z = np.concatenate([SCALES, -SCALES, rng.normal(size=6) * 3])
    y = np.tile([1.0, 0.0, 0.0, 1.0], z.size // 4 + 1)[:z.size]
    expect_value_and_gradient(student, "focal_from_logits", (y, z), 1, torch_focal(0.25, 2.0),
                              "focal_from_logits(y, z) with the default alpha=0.25, gamma=2")
    for alpha, gamma in [(0.25, 2.0), (0.5, 0.0), (0.9, 1.0), (0.3, 2.5),
                         (float(rng.uniform(0.05, 0.95)), float(rng.uniform(1.0, 3.0)))]:
        expect_value_and_gradient(student, "focal_from_logits", (y, z), 1, torch_focal(alpha, gamma),
                                  f"focal_from_logits with alpha={alpha:.3g}, gamma={gamma:.3g}",
                                  alpha=alpha, gamma=gamma)


def torch_sce(a, b, prob_floor=1e-4, label_floor=1e-4):
    def sce(labels, z):
        import torch

        one_hot = torch.nn.functional.one_hot(labels.long(), z.shape[1]).to(z.dtype)
        ce = torch.nn.functional.cross_entropy(z, labels.long(), reduction="none")
        probs = torch.clamp(torch.softmax(z, dim=1), prob_floor, 1.0)
        rce = -(probs * torch.log(torch.clamp(one_hot, label_floor, 1.0))).sum(dim=1)
        return a * ce + b * rce
    return sce


@checks.hidden("ch12.sce",
               message="sce_loss at logits from 0.01 to 10^4 in one call (a stable CE), for a, b = "
               "(1, 1), (0.1, 1), (1, 0), (0, 2), 2 to 10 classes, probabilities floored at 1e-4 and "
               "the one-hot label at 1e-4, with its gradient")
def sce_hidden(student, rng):
    sce_notes(student, rng)
    for (a, b), classes in [((1.0, 1.0), 3), ((0.1, 1.0), 10), ((1.0, 0.0), 2), ((0.0, 2.0), 5),
                            ((float(rng.uniform(0.1, 2)), float(rng.uniform(0.1, 2))), int(rng.integers(2, 9)))]:
        z = mixed_logits(rng, 2, classes)
        labels = rng.integers(0, classes, size=len(z))
        expect_value_and_gradient(student, "sce_loss", (labels, z), 1, torch_sce(a, b),
                                  f"sce_loss with a={a:.3g}, b={b:.3g} and {classes} classes", a=a, b=b)


# ----------------------------------------------------- 12.4 regularization


@checks.hidden("ch12.penalties",
               message="build_penalized_mlp with no hidden layer, one and three, pure L1 (alpha 0), "
               "pure L2 (beta 0) and both, random weights and non-zero biases: model.losses sums to "
               "0.5 * alpha * sum(w**2) + beta * sum(|w|) over every kernel, output layer included, "
               "and never the biases")
def penalties_hidden(student, rng):
    penalties_small(student, rng)
    for units, alpha, beta in [([], 0.1, 0.0), ([5], 0.0, 0.03), ([4, 3, 2], 0.05, 0.02),
                               ([int(rng.integers(1, 8))], float(rng.uniform(0.001, 0.1)),
                                float(rng.uniform(0.001, 0.1)))]:
        n_in = int(rng.integers(1, 6))
        sizes = [n_in] + units + [1]
        weights = []
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
            weights += [rng.normal(size=(fan_in, fan_out)), rng.normal(size=fan_out) * 5]
        what = f"build_penalized_mlp({n_in}, {units}, {alpha:.3g}, {beta:.3g})"
        info = expect_functional(student.model("build_penalized_mlp", n_in, units, alpha, beta,
                                               inputs=rng.normal(size=(2, n_in)), set_weights=weights), what)
        expect_dense_stack(info, units, what)
        kernels = weights[0::2]
        want = sum(0.5 * alpha * np.sum(w ** 2) + beta * np.sum(np.abs(w)) for w in kernels)
        expect_close(float(sum(np.sum(loss) for loss in info.losses)), want, rtol=1e-4, atol=1e-7,
                     what=f"the sum of model.losses of {what}")


def torch_sgd(w0, target, lr, momentum, weight_decay, steps):
    import torch

    w = torch.tensor(np.asarray(w0, dtype=np.float64), requires_grad=True)
    optimizer = torch.optim.SGD([w], lr=lr, momentum=momentum, weight_decay=weight_decay)
    for _ in range(steps):
        optimizer.zero_grad()
        (0.5 * ((w - torch.tensor(target)) ** 2).sum()).backward()
        optimizer.step()
    return w.detach().numpy()


def keras_sgd(w0, target, lr, momentum, weight_decay, steps):
    """Keras' SGD: decay w by lr * weight_decay, then the momentum step m = mu m - lr g."""
    w, m = np.array(w0, dtype=float), np.zeros(len(w0))
    for _ in range(steps):
        g = w - target
        w = w - lr * weight_decay * w
        m = momentum * m - lr * g
        w = w + m
    return w


@checks.hidden("ch12.weight_decay",
               message="sgd_with_decay against torch.optim.SGD (coupled) and Keras' SGD (decoupled) "
               "for 1 step and many, momentum 0, 0.5 and 0.9, weight_decay 0 and not, 1 to 4 weights")
def weight_decay_hidden(student, rng):
    weight_decay_small(student, rng)
    for steps, momentum, wd in [(1, 0.9, 0.1), (4, 0.0, 0.2), (5, 0.5, 0.0), (6, 0.9, 0.3),
                                (int(rng.integers(2, 12)), float(rng.uniform(0.1, 0.95)),
                                 float(rng.uniform(0.01, 0.5)))]:
        size = int(rng.integers(1, 5))
        w0, target, lr = rng.normal(size=size), rng.normal(size=size) * 2, float(rng.uniform(0.05, 0.3))
        for coupled, reference in ((True, torch_sgd), (False, keras_sgd)):
            expect_close(student.call("sgd_with_decay", w0, target, lr, momentum, wd, steps, coupled),
                         reference(w0, target, lr, momentum, wd, steps), rtol=1e-5, atol=1e-7,
                         what=f"sgd_with_decay({steps} steps, momentum {momentum:.3g}, weight_decay "
                         f"{wd:.3g}, coupled={coupled})")


# ------------------------------------------------ 12.6 practice problems


@checks.hidden("ch12.tabular_classifier",
               message="build_binary_classifier with no hidden layer, one and three, random weights "
               "and inputs of both signs: every Dense layer applied to the previous one's output, "
               "ReLU between them, one sigmoid unit at the end (outputs in (0, 1) for BCE)")
def tabular_hidden(student, rng):
    tabular_small(student, rng)
    for hidden in ([], [3], [6, 4, 2], [int(rng.integers(1, 9)), int(rng.integers(1, 9))]):
        n_features = int(rng.integers(1, 9))
        sizes = [n_features] + hidden + [1]
        weights = []
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
            weights += [rng.normal(size=(fan_in, fan_out)), rng.normal(size=fan_out)]
        x = rng.normal(size=(6, n_features)) * 2
        expect_classifier(student, n_features, hidden, weights, x,
                          f"build_binary_classifier({n_features}, {hidden})")


def torch_residual(x, weights):
    import torch

    def conv(h, kernel, bias):
        k = torch.tensor(kernel).permute(3, 2, 0, 1)
        return torch.nn.functional.conv2d(h, k, torch.tensor(bias), padding=1)

    h = torch.tensor(x).permute(0, 3, 1, 2)
    y = conv(torch.relu(conv(h, *weights[:2])), *weights[2:])
    return torch.relu(h + y).permute(0, 2, 3, 1).numpy()


@checks.hidden("ch12.residual_block",
               message="build_residual_block on 1, 3 and 8 channels and non-square inputs, with random "
               "weights: relu(x + conv2(relu(conv1(x)))), both 3x3 'same' convolutions with as many "
               "channels as the input")
def residual_hidden(student, rng):
    residual_zero(student, rng)
    for shape in [(6, 6, 1), (5, 7, 3), (4, 4, 8), (int(rng.integers(3, 8)), int(rng.integers(3, 8)),
                                                    int(rng.integers(1, 6)))]:
        c = shape[-1]
        weights = [rng.normal(size=(3, 3, c, c)) * 0.5, rng.normal(size=c), rng.normal(size=(3, 3, c, c)) * 0.5,
                   rng.normal(size=c)]
        x = rng.normal(size=(2, *shape))
        what = f"build_residual_block({shape})"
        info = expect_functional(student.model("build_residual_block", shape, inputs=x, set_weights=weights),
                                 what)
        expect_equal(info.count_params, 2 * (9 * c * c + c), f"the number of parameters of {what}")
        expect_close(info.outputs, torch_residual(x, weights), rtol=1e-4, atol=1e-5,
                     what=f"the outputs of {what}")


def torch_course_cnn(x, weights):
    import torch
    import torch.nn.functional as F

    h = torch.tensor(x).permute(0, 3, 1, 2)
    for kernel, bias in (weights[0:2], weights[2:4]):
        h = F.conv2d(h, torch.tensor(kernel).permute(3, 2, 0, 1), torch.tensor(bias))
        h = torch.relu(F.max_pool2d(h, 2))
    h = h.permute(0, 2, 3, 1).reshape(len(x), -1)  # Keras flattens channels last
    return (h @ torch.tensor(weights[4]) + torch.tensor(weights[5])).numpy()


@checks.hidden("ch12.course_cnn",
               message="build_course_cnn on 28x28x1, 32x32x3 and 21x17x2 inputs (floor pooling) with "
               "random weights: both 5x5 'valid' convolutions used, 2x2 max-pooling then ReLU, "
               "Flatten, one Dense layer of num_classes logits")
def course_cnn_hidden(student, rng):
    course_cnn_mnist(student, rng)
    for shape, classes in [((28, 28, 1), 10), ((32, 32, 3), 4), ((21, 17, 2), int(rng.integers(2, 12)))]:
        h, w = ((shape[0] - 4) // 2 - 4) // 2, ((shape[1] - 4) // 2 - 4) // 2
        weights = [rng.normal(size=(5, 5, shape[2], 10)) * 0.3, rng.normal(size=10) * 0.1,
                   rng.normal(size=(5, 5, 10, 20)) * 0.1, rng.normal(size=20) * 0.1,
                   rng.normal(size=(h * w * 20, classes)) * 0.1, rng.normal(size=classes)]
        x = rng.uniform(size=(2, *shape))
        what = f"build_course_cnn({shape}, {classes})"
        info = expect_functional(student.model("build_course_cnn", shape, classes, inputs=x,
                                               set_weights=weights), what)
        expect_equal(info.count_params, sum(int(np.prod(v.shape)) for v in weights),
                     f"the number of parameters of {what}")
        expect_close(info.outputs, torch_course_cnn(x, weights), rtol=1e-4, atol=1e-4,
                     what=f"the outputs of {what}")
