"""Plausible wrong answers for chapter 6; each must fail the checks it names."""

from exercise_harness import mutant

_NESTED_BLOCK = '''
def make_block(width, hidden):
    inputs = keras.Input(shape=(width,))
    x = keras.layers.Dense(hidden, activation="relu")(inputs)
    return keras.Model(inputs, keras.layers.Dense(width)(x))
'''

# The hidden kernel's initializer as the ch06.initializers solution writes it.
_HIDDEN_INIT = "keras.initializers.RandomNormal(mean=0.0, stddev=width**-0.5, seed=seed)"

# linear_output as the solution writes it, for wrong dense_to_linear_state answers.
_LINEAR_OUTPUT = '''

def linear_output(kernel, bias, x):
    fan_in, fan_out = np.shape(kernel)
    linear = torch.nn.Linear(fan_in, fan_out)
    linear.load_state_dict(dense_to_linear_state(kernel, bias))
    with torch.no_grad():
        return linear(torch.as_tensor(np.asarray(x), dtype=torch.float32))
'''

_MY_DENSE_HELPERS = '''

def build_my_dense_model(width, units):
    inputs = keras.Input(shape=(width,))
    return keras.Model(inputs, MyDense(units)(inputs))


def my_dense_gradients(x, kernel, bias):
    kernel = np.asarray(kernel)
    layer = MyDense(kernel.shape[1])
    layer.build((None, kernel.shape[0]))
    layer.set_weights([kernel, np.asarray(bias)])
    y = layer(ops.convert_to_tensor(x, dtype="float32"))
    ops.sum(y).backward()
    return layer.kernel.value.grad, layer.bias.value.grad
'''

_MY_DENSE_INIT = '''
class MyDense(keras.layers.Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
        self.bias = self.add_weight(shape=(self.units,), initializer="zeros", name="bias")
'''

_RESCALED_MODEL = '''

def rescale_config(factor):
    config = Rescale(factor).get_config()
    return config, Rescale.from_config(config).get_config()


def build_rescaled_model(width, hidden, factor):
    inputs = keras.Input(shape=(width,))
    x = keras.layers.Dense(hidden, activation="relu")(inputs)
    x = keras.layers.Dense(1)(x)
    return keras.Model(inputs, Rescale(factor)(x))


def save_and_reload(weights, x, factor):
    width, hidden = np.shape(weights[0])
    model = build_rescaled_model(width, hidden, factor)
    model.set_weights(weights)
    folder = tempfile.mkdtemp()
    model.save(os.path.join(folder, "model.keras"))
    model.save_weights(os.path.join(folder, "model.weights.h5"))
    loaded = keras.saving.load_model(os.path.join(folder, "model.keras"))
    fresh = build_rescaled_model(width, hidden, factor)
    fresh.load_weights(os.path.join(folder, "model.weights.h5"))
    return {"before": model.predict(x, verbose=0), "keras_file": loaded.predict(x, verbose=0),
            "weights_file": fresh.predict(x, verbose=0)}
'''

WRONG_ANSWERS = [
    # ------------------------------------------------------- nested_model
    dict(
        exercise="ch06.nested_model",
        why="Sequential models instead of functional ones",
        rejected_by=["nested_model_structure", "nested_model_random_outputs"],
        source='''
def make_block(width, hidden):
    return keras.Sequential([keras.Input(shape=(width,)),
                             keras.layers.Dense(hidden, activation="relu"),
                             keras.layers.Dense(width)])


def build_nested_model(width, hidden, num_blocks):
    return keras.Sequential([keras.Input(shape=(width,))]
                            + [make_block(width, hidden) for _ in range(num_blocks)]
                            + [keras.layers.Dense(1)])
''',
    ),
    dict(
        exercise="ch06.nested_model",
        why="one block object called num_blocks times (shared weights, too few parameters)",
        rejected_by=["nested_model_structure", "nested_model_random_outputs"],
        source=_NESTED_BLOCK + '''

def build_nested_model(width, hidden, num_blocks):
    inputs = keras.Input(shape=(width,))
    block = make_block(width, hidden)
    x = inputs
    for _ in range(num_blocks):
        x = block(x)
    return keras.Model(inputs, keras.layers.Dense(1)(x))
''',
    ),
    dict(
        exercise="ch06.nested_model",
        why="flat model: the block's layers are inlined instead of nesting a model",
        rejected_by=["nested_model_structure", "nested_model_random_outputs"],
        source=_NESTED_BLOCK + '''

def build_nested_model(width, hidden, num_blocks):
    inputs = keras.Input(shape=(width,))
    x = inputs
    for _ in range(num_blocks):
        x = keras.layers.Dense(hidden, activation="relu")(x)
        x = keras.layers.Dense(width)(x)
    return keras.Model(inputs, keras.layers.Dense(1)(x))
''',
    ),
    dict(
        exercise="ch06.nested_model",
        why="the block forgets the ReLU",
        rejected_by=["nested_model_random_outputs"],
        source='''
def make_block(width, hidden):
    inputs = keras.Input(shape=(width,))
    x = keras.layers.Dense(hidden)(inputs)
    return keras.Model(inputs, keras.layers.Dense(width)(x))


def build_nested_model(width, hidden, num_blocks):
    inputs = keras.Input(shape=(width,))
    x = inputs
    for _ in range(num_blocks):
        x = make_block(width, hidden)(x)
    return keras.Model(inputs, keras.layers.Dense(1)(x))
''',
    ),
    # -------------------------------------------------------- param_count
    dict(
        exercise="ch06.param_count",
        why="torch's (out, in) layout for the kernels",
        rejected_by=["param_count_small_mlp", "param_count_random_mlps"],
        source='''
def dense_weight_shapes(sizes):
    shapes = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        shapes += [(b, a), (b,)]
    return shapes


def mlp_param_count(sizes):
    return sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))
''',
    ),
    dict(
        exercise="ch06.param_count",
        why="forgets the biases (no bias shapes, kernels only in the count)",
        rejected_by=["param_count_small_mlp", "param_count_random_mlps"],
        source='''
def dense_weight_shapes(sizes):
    return [(a, b) for a, b in zip(sizes[:-1], sizes[1:])]


def mlp_param_count(sizes):
    return sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
''',
    ),
    dict(
        exercise="ch06.param_count",
        why="counts one bias per input unit instead of per output unit",
        rejected_by=["param_count_small_mlp", "param_count_random_mlps"],
        source='''
def dense_weight_shapes(sizes):
    shapes = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        shapes += [(a, b), (b,)]
    return shapes


def mlp_param_count(sizes):
    return sum(a * b + a for a, b in zip(sizes[:-1], sizes[1:]))
''',
    ),
    # -------------------------------------------------------- torch_layout
    dict(
        exercise="ch06.torch_layout",
        why="copies the Keras kernel without transposing it",
        rejected_by=["linear_state_layout", "torch_layout_random"],
        source='''
def dense_to_linear_state(kernel, bias):
    return {"weight": torch.as_tensor(np.asarray(kernel), dtype=torch.float32),
            "bias": torch.as_tensor(np.asarray(bias), dtype=torch.float32)}

''' + _LINEAR_OUTPUT,
    ),
    dict(
        exercise="ch06.torch_layout",
        why="reshapes the kernel to (out, in) instead of transposing it",
        rejected_by=["linear_state_layout", "torch_layout_random"],
        source='''
def dense_to_linear_state(kernel, bias):
    kernel = np.asarray(kernel)
    return {"weight": torch.as_tensor(kernel.reshape(kernel.shape[1], kernel.shape[0]), dtype=torch.float32),
            "bias": torch.as_tensor(np.asarray(bias), dtype=torch.float32)}

''' + _LINEAR_OUTPUT,
    ),
    # --------------------------------------------------------- tied_layers
    dict(
        exercise="ch06.tied_layers",
        why="two separate Dense layers instead of one shared layer",
        rejected_by=["tied_model_structure", "tied_model_outputs"],
        source='''
def build_tied_model(width, hidden):
    inputs = keras.Input(shape=(width,))
    x = keras.layers.Dense(hidden, activation="relu")(inputs)
    x = keras.layers.Dense(hidden, activation="relu")(x)
    x = keras.layers.Dense(hidden, activation="relu")(x)
    return keras.Model(inputs, keras.layers.Dense(1)(x))
''',
    ),
    dict(
        exercise="ch06.tied_layers",
        why="Sequential with the shared layer listed twice",
        rejected_by=["tied_model_structure"],
        source='''
def build_tied_model(width, hidden):
    shared = keras.layers.Dense(hidden, activation="relu")
    return keras.Sequential([keras.Input(shape=(width,)),
                             keras.layers.Dense(hidden, activation="relu"),
                             shared, shared, keras.layers.Dense(1)])
''',
    ),
    dict(
        exercise="ch06.tied_layers",
        why="the shared layer is applied only once",
        rejected_by=["tied_model_outputs"],
        source='''
def build_tied_model(width, hidden):
    inputs = keras.Input(shape=(width,))
    x = keras.layers.Dense(hidden, activation="relu")(inputs)
    shared = keras.layers.Dense(hidden, activation="relu")
    x = shared(x)
    return keras.Model(inputs, keras.layers.Dense(1)(x))
''',
    ),
    # -------------------------------------------------------- initializers
    dict(
        exercise="ch06.initializers",
        why="RandomNormal's default standard deviation (0.05) instead of one chosen from the width",
        rejected_by=["initializers_statistics", "initializers_seeded"],
        source=mutant("ch06.initializers", _HIDDEN_INIT,
                      "keras.initializers.RandomNormal(seed=seed)"),
    ),
    # Other spreads for the hidden kernel, each one edit away from the solution.
    *[
        dict(exercise="ch06.initializers", why=why,
             rejected_by=["initializers_statistics", "initializers_seeded"],
             source=mutant("ch06.initializers", "stddev=width**-0.5", f"stddev={spread}"))
        for why, spread in [
            ("He's spread sqrt(2 / width), which keeps the variance of the ReLU *outputs*, not of "
             "the pre-activations the statement names", "(2 / width) ** 0.5"),
            ("the spread from the fan-out, 1 / sqrt(hidden)", "hidden**-0.5"),
            ("Glorot's spread sqrt(2 / (width + hidden)), between fan-in and fan-out",
             "(2 / (width + hidden)) ** 0.5"),
            ("1 / width as the standard deviation: that is the variance", "1 / width"),
        ]
    ],
    dict(
        exercise="ch06.initializers",
        why="output kernel all 1: the sum of the hidden activations, not their mean",
        rejected_by=["initializers_statistics", "initializers_seeded"],
        source=mutant("ch06.initializers", "Constant(1.0 / hidden)", "Constant(1.0)"),
    ),
    dict(
        exercise="ch06.initializers",
        why="output bias left at its default 0: the mean without the + 1",
        rejected_by=["initializers_statistics", "initializers_seeded"],
        source=mutant("ch06.initializers", "        bias_initializer=keras.initializers.Constant(1.0),\n", ""),
    ),
    dict(
        exercise="ch06.initializers",
        why="ignores the seed, so the same seed gives different kernels",
        rejected_by=["initializers_seeded"],
        source=mutant("ch06.initializers", ", seed=seed)", ")"),
    ),
    dict(
        exercise="ch06.initializers",
        why="class 1: LecunNormal has the right spread but draws from a normal truncated at two "
        "standard deviations, where the statement asks for an untruncated one",
        secrets=20,
        rejected_by=["initializers_statistics", "initializers_seeded"],
        source=mutant("ch06.initializers", _HIDDEN_INIT, "keras.initializers.LecunNormal(seed=seed)"),
    ),
    # -------------------------------------------------- custom_initializer
    dict(
        exercise="ch06.custom_initializer",
        why="forgets to zero the small entries (plain U(-10, 10))",
        rejected_by=["chopped_uniform_values", "chopped_dense_kernel"],
        source='''
def chopped_uniform(shape, dtype=None):
    return keras.random.uniform(shape, minval=-10.0, maxval=10.0, dtype=dtype or "float32")


def chopped_dense(units):
    return keras.layers.Dense(units, kernel_initializer=chopped_uniform)
''',
    ),
    dict(
        exercise="ch06.custom_initializer",
        why="zeroes the large entries instead of the small ones",
        rejected_by=["chopped_uniform_values", "chopped_dense_kernel"],
        source='''
def chopped_uniform(shape, dtype=None):
    values = keras.random.uniform(shape, minval=-10.0, maxval=10.0, dtype=dtype or "float32")
    return ops.where(ops.abs(values) < 5.0, values, ops.zeros_like(values))


def chopped_dense(units):
    return keras.layers.Dense(units, kernel_initializer=chopped_uniform)
''',
    ),
    dict(
        exercise="ch06.custom_initializer",
        why="draws from U(0, 10): no negative weights",
        rejected_by=["chopped_uniform_values", "chopped_dense_kernel"],
        source='''
def chopped_uniform(shape, dtype=None):
    values = keras.random.uniform(shape, minval=0.0, maxval=10.0, dtype=dtype or "float32")
    return ops.where(values >= 5.0, values, ops.zeros_like(values))


def chopped_dense(units):
    return keras.layers.Dense(units, kernel_initializer=chopped_uniform)
''',
    ),
    # ------------------------------------------------------------ deferred
    dict(
        exercise="ch06.deferred",
        why="builds every layer from the input shape before recording built",
        rejected_by=["deferred_build_small", "deferred_build_random"],
        source='''
def deferred_build_report(units, x):
    layers = [keras.layers.Dense(u) for u in units]
    width = np.shape(x)[-1]
    for layer, u in zip(layers, units):
        layer.build((None, width))
        width = u
    built_before = [layer.built for layer in layers]
    h = ops.convert_to_tensor(x, dtype="float32")
    for layer in layers:
        h = layer(h)
    return {"built_before": built_before, "built_after": [l.built for l in layers],
            "kernel_shapes": [tuple(l.kernel.shape) for l in layers]}
''',
    ),
    dict(
        exercise="ch06.deferred",
        why="reports kernel shapes in torch's (out, in) order",
        rejected_by=["deferred_build_small", "deferred_build_random"],
        source='''
def deferred_build_report(units, x):
    layers = [keras.layers.Dense(u) for u in units]
    built_before = [layer.built for layer in layers]
    h = ops.convert_to_tensor(x, dtype="float32")
    for layer in layers:
        h = layer(h)
    return {"built_before": built_before, "built_after": [l.built for l in layers],
            "kernel_shapes": [tuple(l.kernel.shape)[::-1] for l in layers]}
''',
    ),
    # ------------------------------------------------------------ centered
    dict(
        exercise="ch06.centered",
        why="D2L's global mean over the whole batch",
        rejected_by=["centered_layer_values", "centered_random"],
        source='''
class CenteredLayer(keras.layers.Layer):
    def call(self, x):
        return x - ops.mean(x)


def make_centered_layer():
    return CenteredLayer()


def build_centered_model(width, units):
    inputs = keras.Input(shape=(width,))
    return keras.Model(inputs, CenteredLayer()(keras.layers.Dense(units)(inputs)))
''',
    ),
    dict(
        exercise="ch06.centered",
        why="mean over the batch axis (axis 0)",
        rejected_by=["centered_layer_values", "centered_random"],
        source='''
class CenteredLayer(keras.layers.Layer):
    def call(self, x):
        return x - ops.mean(x, axis=0, keepdims=True)


def make_centered_layer():
    return CenteredLayer()


def build_centered_model(width, units):
    inputs = keras.Input(shape=(width,))
    return keras.Model(inputs, CenteredLayer()(keras.layers.Dense(units)(inputs)))
''',
    ),
    dict(
        exercise="ch06.centered",
        why="Sequential model and a layer with a pointless trainable offset",
        rejected_by=["centered_model_structure"],
        source='''
class CenteredLayer(keras.layers.Layer):
    def build(self, input_shape):
        self.offset = self.add_weight(shape=(1,), initializer="zeros")

    def call(self, x):
        return x - ops.mean(x, axis=-1, keepdims=True) + self.offset


def make_centered_layer():
    return CenteredLayer()


def build_centered_model(width, units):
    return keras.Sequential([keras.Input(shape=(width,)), keras.layers.Dense(units), CenteredLayer()])
''',
    ),
    # ------------------------------------------------------------ my_dense
    dict(
        exercise="ch06.my_dense",
        why="the notes' bug: the kernel is read through .data, so it gets no gradient",
        rejected_by=["my_dense_gradients_small", "my_dense_random"],
        source=_MY_DENSE_INIT + '''
    def call(self, x):
        return ops.relu(ops.matmul(x, self.kernel.value.data) + self.bias)
''' + _MY_DENSE_HELPERS,
    ),
    dict(
        exercise="ch06.my_dense",
        why="ops.stop_gradient on the weights cuts both gradients",
        rejected_by=["my_dense_gradients_small", "my_dense_random"],
        source=_MY_DENSE_INIT + '''
    def call(self, x):
        return ops.relu(ops.matmul(x, ops.stop_gradient(self.kernel)) + ops.stop_gradient(self.bias))
''' + _MY_DENSE_HELPERS,
    ),
    dict(
        exercise="ch06.my_dense",
        why="torch layout: kernel (units, in), transposed in call",
        rejected_by=["my_dense_outputs_and_shapes", "my_dense_random"],
        source='''
class MyDense(keras.layers.Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(self.units, input_shape[-1]), name="kernel")
        self.bias = self.add_weight(shape=(self.units,), initializer="zeros", name="bias")

    def call(self, x):
        return ops.relu(ops.matmul(x, ops.transpose(self.kernel)) + self.bias)
''' + _MY_DENSE_HELPERS.replace("layer.build((None, kernel.shape[0]))\n    layer.set_weights([kernel, np.asarray(bias)])",
                                "layer.build((None, kernel.shape[0]))\n    layer.set_weights([kernel.T, np.asarray(bias)])"),
    ),
    dict(
        exercise="ch06.my_dense",
        why="forgets the ReLU",
        rejected_by=["my_dense_outputs_and_shapes", "my_dense_gradients_small", "my_dense_random"],
        source=_MY_DENSE_INIT + '''
    def call(self, x):
        return ops.matmul(x, self.kernel) + self.bias
''' + _MY_DENSE_HELPERS,
    ),
    dict(
        exercise="ch06.my_dense",
        why="the bias is created with trainable=False",
        rejected_by=["my_dense_outputs_and_shapes", "my_dense_random"],
        source='''
class MyDense(keras.layers.Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
        self.bias = self.add_weight(shape=(self.units,), initializer="zeros", name="bias",
                                    trainable=False)

    def call(self, x):
        return ops.relu(ops.matmul(x, self.kernel) + self.bias)
''' + _MY_DENSE_HELPERS,
    ),
    # ----------------------------------------------------------- save_load
    dict(
        exercise="ch06.save_load",
        why="Rescale is not registered, so load_model cannot find the class",
        rejected_by=["save_and_reload_fixed", "save_and_reload_random"],
        source='''
import os
import tempfile


class Rescale(keras.layers.Layer):
    def __init__(self, factor=1.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = float(factor)

    def call(self, x):
        return x * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}
''' + _RESCALED_MODEL,
    ),
    dict(
        exercise="ch06.save_load",
        why="__init__ without **kwargs, so from_config (and loading) cannot pass name/trainable/dtype",
        rejected_by=["rescale_config_roundtrip", "save_and_reload_fixed", "save_and_reload_random"],
        source='''
import os
import tempfile


@keras.saving.register_keras_serializable(package="wrong_kwargs")
class Rescale(keras.layers.Layer):
    def __init__(self, factor=1.0):
        super().__init__()
        self.factor = float(factor)

    def call(self, x):
        return x * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}
''' + _RESCALED_MODEL,
    ),
    dict(
        exercise="ch06.save_load",
        why="get_config forgets super().get_config() (no name, trainable, dtype)",
        rejected_by=["rescale_config_roundtrip", "save_and_reload_random"],
        source='''
import os
import tempfile


@keras.saving.register_keras_serializable(package="wrong_config")
class Rescale(keras.layers.Layer):
    def __init__(self, factor=1.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = float(factor)

    def call(self, x):
        return x * self.factor

    def get_config(self):
        return {"factor": self.factor}
''' + _RESCALED_MODEL,
    ),
    dict(
        exercise="ch06.save_load",
        why="a Lambda layer instead of a registered Rescale layer: saves but does not load",
        rejected_by=["save_and_reload_fixed", "save_and_reload_random"],
        source='''
import os
import tempfile


@keras.saving.register_keras_serializable(package="wrong_lambda")
class Rescale(keras.layers.Layer):
    def __init__(self, factor=1.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = float(factor)

    def call(self, x):
        return x * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


def rescale_config(factor):
    config = Rescale(factor).get_config()
    return config, Rescale.from_config(config).get_config()


def build_rescaled_model(width, hidden, factor):
    inputs = keras.Input(shape=(width,))
    x = keras.layers.Dense(hidden, activation="relu")(inputs)
    x = keras.layers.Dense(1)(x)
    return keras.Model(inputs, keras.layers.Lambda(lambda t: t * factor)(x))


def save_and_reload(weights, x, factor):
    width, hidden = np.shape(weights[0])
    model = build_rescaled_model(width, hidden, factor)
    model.set_weights(weights)
    folder = tempfile.mkdtemp()
    model.save(os.path.join(folder, "model.keras"))
    model.save_weights(os.path.join(folder, "model.weights.h5"))
    loaded = keras.saving.load_model(os.path.join(folder, "model.keras"))
    fresh = build_rescaled_model(width, hidden, factor)
    fresh.load_weights(os.path.join(folder, "model.weights.h5"))
    return {"before": model.predict(x, verbose=0), "keras_file": loaded.predict(x, verbose=0),
            "weights_file": fresh.predict(x, verbose=0)}
''',
    ),
    dict(
        exercise="ch06.save_load",
        why="the fresh model never loads the weights file",
        rejected_by=["save_and_reload_fixed", "save_and_reload_random"],
        source='''
import os
import tempfile


@keras.saving.register_keras_serializable(package="wrong_fresh")
class Rescale(keras.layers.Layer):
    def __init__(self, factor=1.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = float(factor)

    def call(self, x):
        return x * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}
''' + _RESCALED_MODEL.replace('    fresh.load_weights(os.path.join(folder, "model.weights.h5"))\n', ""),
    ),
    # ------------------------------------------ issue 10: the five classes
    # Each passed the checks before issue 10 and is rejected now.
    dict(
        exercise="ch06.initializers",
        why="class 1: a uniform hidden kernel with the right spread 1 / sqrt(width), where the "
        "statement asks for a normal one",
        secrets=20,
        rejected_by=["initializers_statistics", "initializers_seeded"],
        source=mutant("ch06.initializers", _HIDDEN_INIT,
                      "keras.initializers.RandomUniform(-(3 / width) ** 0.5, (3 / width) ** 0.5, seed=seed)"),
    ),
    dict(
        exercise="ch06.torch_layout",
        why="class 5: float64 tensors (torch.as_tensor keeps numpy's dtype) where the statement "
        "asks for float32; load_state_dict casts them silently",
        rejected_by=["linear_state_layout", "torch_layout_random"],
        source='''
def dense_to_linear_state(kernel, bias):
    return {"weight": torch.as_tensor(np.asarray(kernel)).T.contiguous(),
            "bias": torch.as_tensor(np.asarray(bias))}

''' + _LINEAR_OUTPUT,
    ),
    dict(
        exercise="ch06.custom_initializer",
        why="class 5: always draws float32, ignoring the dtype it is given",
        rejected_by=["chopped_uniform_dtypes"],
        source=mutant("ch06.custom_initializer", 'dtype=dtype or "float32"', 'dtype="float32"'),
    ),
    dict(
        exercise="ch06.my_dense",
        why="the kernel's rows from input_shape[1], right only for inputs of rank 2",
        rejected_by=["my_dense_rank_three"],
        source=mutant("ch06.my_dense", "shape=(input_shape[-1], self.units)",
                      "shape=(input_shape[1], self.units)"),
    ),
    dict(
        exercise="ch06.save_load",
        why="Rescale's default factor 0.0 where the statement fixes 1.0",
        rejected_by=["rescale_default_factor"],
        source=mutant("ch06.save_load", "def __init__(self, factor=1.0,", "def __init__(self, factor=0.0,"),
    ),
]
