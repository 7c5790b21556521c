# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Solutions: 6. Builders' Guide

# %% tags=["exercise"] exercise="ch06.nested_model"
# exercise: ch06.nested_model
def make_block(width, hidden):
    """A functional model: Input(width) -> Dense(hidden, relu) -> Dense(width)."""
    inputs = keras.Input(shape=(width,))
    x = keras.layers.Dense(hidden, activation="relu")(inputs)
    outputs = keras.layers.Dense(width)(x)
    return keras.Model(inputs, outputs)


def build_nested_model(width, hidden, num_blocks):
    """Input(width) -> num_blocks fresh blocks in a row -> Dense(1)."""
    inputs = keras.Input(shape=(width,))
    x = inputs
    for _ in range(num_blocks):
        x = make_block(width, hidden)(x)
    outputs = keras.layers.Dense(1)(x)
    return keras.Model(inputs, outputs)


# %% tags=["exercise"] exercise="ch06.param_count"
# exercise: ch06.param_count
def dense_weight_shapes(sizes):
    """Keras weight shapes of an MLP with layer widths sizes[0] -> ... -> sizes[-1]."""
    shapes = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        shapes += [(fan_in, fan_out), (fan_out,)]
    return shapes


def mlp_param_count(sizes):
    """Number of parameters of that MLP (kernels and biases)."""
    return sum(fan_in * fan_out + fan_out for fan_in, fan_out in zip(sizes[:-1], sizes[1:]))


# %% tags=["exercise"] exercise="ch06.torch_layout"
# exercise: ch06.torch_layout
def dense_to_linear_state(kernel, bias):
    """The state dict of a torch.nn.Linear equal to a Keras Dense(kernel, bias)."""
    kernel = torch.as_tensor(np.asarray(kernel), dtype=torch.float32)
    bias = torch.as_tensor(np.asarray(bias), dtype=torch.float32)
    return {"weight": kernel.T.contiguous(), "bias": bias}


def linear_output(kernel, bias, x):
    """Load that state into a torch.nn.Linear and apply it to x."""
    fan_in, fan_out = np.shape(kernel)
    linear = torch.nn.Linear(fan_in, fan_out)
    linear.load_state_dict(dense_to_linear_state(kernel, bias))
    with torch.no_grad():
        return linear(torch.as_tensor(np.asarray(x), dtype=torch.float32))


# %% tags=["exercise"] exercise="ch06.tied_layers"
# exercise: ch06.tied_layers
def build_tied_model(width, hidden):
    """Input -> Dense(hidden, relu) -> shared Dense(hidden, relu) twice -> Dense(1)."""
    inputs = keras.Input(shape=(width,))
    x = keras.layers.Dense(hidden, activation="relu")(inputs)
    shared = keras.layers.Dense(hidden, activation="relu")
    x = shared(x)
    x = shared(x)
    outputs = keras.layers.Dense(1)(x)
    return keras.Model(inputs, outputs)


# %% tags=["exercise"] exercise="ch06.initializers"
# exercise: ch06.initializers
def build_initialized_mlp(width, hidden, seed):
    """Dense(hidden, relu) with a seeded normal kernel that keeps unit variance
    and zero bias, then Dense(1) computing the mean of the hidden units plus 1."""
    # Var(sum_i x_i w_i) = width * sigma^2 for independent zero-mean terms of
    # variance 1 and sigma^2: sigma = 1 / sqrt(width), the fan-in, whatever hidden is.
    inputs = keras.Input(shape=(width,))
    x = keras.layers.Dense(
        hidden,
        activation="relu",
        kernel_initializer=keras.initializers.RandomNormal(mean=0.0, stddev=width**-0.5, seed=seed),
        bias_initializer="zeros",
    )(inputs)
    outputs = keras.layers.Dense(
        1,
        kernel_initializer=keras.initializers.Constant(1.0 / hidden),
        bias_initializer=keras.initializers.Constant(1.0),
    )(x)
    return keras.Model(inputs, outputs)


# %% tags=["exercise"] exercise="ch06.custom_initializer"
# exercise: ch06.custom_initializer
def chopped_uniform(shape, dtype=None):
    """U(-10, 10) with every entry of absolute value below 5 set to zero."""
    values = keras.random.uniform(shape, minval=-10.0, maxval=10.0, dtype=dtype or "float32")
    return ops.where(ops.abs(values) >= 5.0, values, ops.zeros_like(values))


def chopped_dense(units):
    """A Dense layer whose kernel starts from chopped_uniform (bias zeros)."""
    return keras.layers.Dense(units, kernel_initializer=chopped_uniform)


# %% tags=["exercise"] exercise="ch06.deferred"
# exercise: ch06.deferred
def deferred_build_report(units, x):
    """Create Dense layers without input shapes, then run x through them."""
    layers = [keras.layers.Dense(u) for u in units]
    built_before = [layer.built for layer in layers]
    h = ops.convert_to_tensor(x, dtype="float32")
    for layer in layers:
        h = layer(h)
    return {
        "built_before": built_before,
        "built_after": [layer.built for layer in layers],
        "kernel_shapes": [tuple(layer.kernel.shape) for layer in layers],
    }


# %% tags=["exercise"] exercise="ch06.centered"
# exercise: ch06.centered
class CenteredLayer(keras.layers.Layer):
    """Subtracts from every example the mean of its own features (last axis)."""

    def call(self, x):
        return x - ops.mean(x, axis=-1, keepdims=True)


def make_centered_layer():
    return CenteredLayer()


def build_centered_model(width, units):
    """Input(width) -> Dense(units) -> CenteredLayer()."""
    inputs = keras.Input(shape=(width,))
    x = keras.layers.Dense(units)(inputs)
    outputs = CenteredLayer()(x)
    return keras.Model(inputs, outputs)


# %% tags=["exercise"] exercise="ch06.my_dense"
# exercise: ch06.my_dense
class MyDense(keras.layers.Layer):
    """relu(x @ kernel + bias) with a trainable kernel (in, units) and bias (units,)."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.kernel = self.add_weight(
            shape=(input_shape[-1], self.units), initializer="glorot_uniform", name="kernel"
        )
        self.bias = self.add_weight(shape=(self.units,), initializer="zeros", name="bias")

    def call(self, x):
        return ops.relu(ops.matmul(x, self.kernel) + self.bias)

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def build_my_dense_model(width, units):
    """Input(width) -> MyDense(units)."""
    inputs = keras.Input(shape=(width,))
    return keras.Model(inputs, MyDense(units)(inputs))


def my_dense_gradients(x, kernel, bias):
    """Gradients of sum(MyDense(x)) with respect to its kernel and bias."""
    kernel = np.asarray(kernel)
    layer = MyDense(kernel.shape[1])
    layer.build((None, kernel.shape[0]))
    layer.set_weights([kernel, np.asarray(bias)])
    y = layer(ops.convert_to_tensor(x, dtype="float32"))
    ops.sum(y).backward()
    return layer.kernel.value.grad, layer.bias.value.grad


# %% tags=["exercise"] exercise="ch06.save_load"
# exercise: ch06.save_load
import os
import tempfile


@keras.saving.register_keras_serializable(package="workbook")
class Rescale(keras.layers.Layer):
    """Multiplies its input by a fixed number, factor."""

    def __init__(self, factor=1.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = float(factor)

    def call(self, x):
        return x * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


def rescale_config(factor):
    """(config of Rescale(factor), config of the layer rebuilt from that config)."""
    config = Rescale(factor).get_config()
    return config, Rescale.from_config(config).get_config()


def build_rescaled_model(width, hidden, factor):
    """Input(width) -> Dense(hidden, relu) -> Dense(1) -> Rescale(factor)."""
    inputs = keras.Input(shape=(width,))
    x = keras.layers.Dense(hidden, activation="relu")(inputs)
    x = keras.layers.Dense(1)(x)
    outputs = Rescale(factor)(x)
    return keras.Model(inputs, outputs)


def save_and_reload(weights, x, factor):
    """Predictions of the model before saving, after load_model, and of a
    fresh model after load_weights."""
    width, hidden = np.shape(weights[0])
    model = build_rescaled_model(width, hidden, factor)
    model.set_weights(weights)
    folder = tempfile.mkdtemp()
    model.save(os.path.join(folder, "model.keras"))
    model.save_weights(os.path.join(folder, "model.weights.h5"))
    loaded = keras.saving.load_model(os.path.join(folder, "model.keras"))
    fresh = build_rescaled_model(width, hidden, factor)
    fresh.load_weights(os.path.join(folder, "model.weights.h5"))
    return {
        "before": model.predict(x, verbose=0),
        "keras_file": loaded.predict(x, verbose=0),
        "weights_file": fresh.predict(x, verbose=0),
    }
