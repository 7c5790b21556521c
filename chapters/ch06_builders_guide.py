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
# # 6. Builders' Guide
#
# The previous chapters used layers the way a reader uses a library: pick
# `Dense`, give it a width, call `fit`. This chapter opens the box. We look at
# how a model is put together from layers and blocks of layers, where its
# parameters live and how to read, set, share and initialize them, when a
# layer actually creates its weights, how to write a layer of our own, how
# to save a model and get exactly the same model back, and where the numbers
# are stored (CPU or GPU).
#
# None of this needs a dataset: every example runs on a few rows of
# generated numbers. On the stack of this workbook (Keras 3 on the torch
# backend) three facts come back again and again:
#
# * every building block, from one `Dense` to a whole model, is a
#   `keras.layers.Layer`, and a `keras.Model` is a layer too, so models nest;
# * a Keras weight is a `keras.Variable` whose `.value` is a
#   `torch.nn.Parameter`, so torch's autograd sees it directly;
# * a `Dense` kernel is stored as `(inputs, outputs)`, the transpose of
#   torch's `nn.Linear.weight`.

# %% tags=["setup"]
import workbook  # selects the torch backend before Keras is imported
from workbook import PROFILE, check, set_seed
from workbook.tryit import compare_choice, compare_prediction
import keras
import numpy as np
import torch
from keras import ops

print(workbook.profiles.describe(), "| keras", keras.__version__, "| torch", torch.__version__)
set_seed(42)

# %% [markdown]
# ## 6.1 Layers and Modules
#
# A single neuron takes inputs, produces an output and has parameters. A
# *layer* is a group of neurons that does the same for a whole vector at
# once, and a model takes inputs, produces outputs and has parameters too.
# Between the two sits a useful middle level: *blocks*, groups of layers
# that appear many times in a design (a ResNet is the same residual block
# repeated dozens of times). The D2L book calls all of these *modules*. In
# Keras there is one word for all of them, `Layer`: a layer owns weights
# and maps tensors to tensors, and `keras.Model` is a layer that is made of
# other layers.
#
# ### 6.1.1 A model is a graph of layer calls
#
# With the functional API we describe a model by calling layers on a
# symbolic input. `keras.Input(shape=(20,))` stands for "a batch of
# 20-feature rows"; each layer call returns a new symbolic tensor; and
# `keras.Model(inputs, outputs)` records the graph between them. Here is
# D2L's running example, a hidden layer with 256 units and ReLU followed by
# a 10-unit output layer.

# %%
inputs = keras.Input(shape=(20,), name="features")
hidden = keras.layers.Dense(256, activation="relu", name="hidden")(inputs)
outputs = keras.layers.Dense(10, name="output")(hidden)
net = keras.Model(inputs, outputs, name="mlp")

X = keras.random.uniform((2, 20), seed=0)
print("output shape:", net(X).shape)
net.summary()

# %% [markdown]
# Calling the model on a real batch runs the recorded graph. The result is a
# torch tensor that remembers how it was computed (it carries a `grad_fn`),
# so it can take part in autograd; `predict` or `ops.convert_to_numpy` give
# plain NumPy arrays instead.
#
# ### 6.1.2 Blocks as Python functions
#
# The simplest block is a Python function that takes a symbolic tensor and
# returns one. Nothing special happens: the function just makes the layer
# calls, and every call creates fresh layers with their own weights. This
# is how keras-io and *Deep Learning with Python* write residual and
# inception blocks.

# %%
def mlp_block(x, hidden_units, name):
    """Dense(hidden, relu) -> Dense(back to the input width), plus the input."""
    width = x.shape[-1]
    h = keras.layers.Dense(hidden_units, activation="relu", name=f"{name}_up")(x)
    h = keras.layers.Dense(width, name=f"{name}_down")(h)
    return keras.layers.Add(name=f"{name}_add")([x, h])


inputs = keras.Input(shape=(20,))
x = mlp_block(inputs, 64, "block1")
x = mlp_block(x, 64, "block2")
outputs = keras.layers.Dense(10)(x)
function_blocks = keras.Model(inputs, outputs)
print([layer.name for layer in function_blocks.layers])

# %% [markdown]
# The blocks are gone once the model is built: its layer list is flat, and
# only the names we chose tell which layer belonged to which block.
#
# ### 6.1.3 A functional model used as a layer
#
# Because a `Model` is a `Layer`, a functional model can itself be called on
# a symbolic tensor inside another functional model. The inner model then
# shows up as *one* layer of the outer model (of class `Functional`), with
# its own layers and weights inside. This keeps a large model readable, and
# the block can be inspected, saved or reused on its own.

# %%
def make_mlp_block(width, hidden_units, name):
    block_inputs = keras.Input(shape=(width,))
    h = keras.layers.Dense(hidden_units, activation="relu", name="up")(block_inputs)
    h = keras.layers.Dense(width, name="down")(h)
    return keras.Model(block_inputs, h, name=name)


block_a = make_mlp_block(20, 64, "block_a")
block_b = make_mlp_block(20, 64, "block_b")
inputs = keras.Input(shape=(20,))
after_a = block_a(inputs)
outputs = keras.layers.Dense(10, name="head")(block_b(after_a))
nested = keras.Model(inputs, outputs, name="nested")

for layer in nested.layers:
    print(f"{layer.name:8s} {type(layer).__name__:11s} params={layer.count_params()}")
print("total:", nested.count_params(), "=", block_a.count_params(), "+", block_b.count_params(), "+ 210")
print("output shape:", nested(X).shape)

# %% [markdown]
# Two details matter. First, calling `make_mlp_block` twice gives two
# independent blocks; calling the *same* block object twice would reuse its
# weights (section 6.2.4 makes use of that). Second, the functional graph
# can be cut anywhere: any symbolic tensor made while building can be the
# output of another model. Keeping `after_a`, the output of the first block
# in the outer graph, gives a feature extractor that shares its layers (and
# therefore its weights) with `nested`:

# %%
features = keras.Model(inputs, after_a)
print("features:", features(X).shape, "| shares block_a:", features.layers[1] is block_a)

# %% [markdown]
# ### 6.1.4 Sequential and subclassed models, and why we use neither
#
# Keras has two other ways to write the same model. `keras.Sequential` is a
# plain stack of layers; a subclassed `keras.Model` defines its layers in
# `__init__` and its computation in `call`, exactly like a torch
# `nn.Module` with `forward`:

# %%
sequential = keras.Sequential(
    [keras.Input(shape=(20,)), keras.layers.Dense(256, activation="relu"), keras.layers.Dense(10)]
)


class SubclassedMLP(keras.Model):
    def __init__(self):
        super().__init__()
        self.hidden = keras.layers.Dense(256, activation="relu")
        self.out = keras.layers.Dense(10)

    def call(self, x):
        return self.out(self.hidden(x))


subclassed = SubclassedMLP()
print(sequential(X).shape, subclassed(X).shape)
print("subclassed model's parameters:", subclassed.count_params())

# %% [markdown]
# All three compute the same kind of function. The workbook uses the
# functional API because the graph is *data* that Keras can inspect before
# any batch flows: shapes are checked when the model is built, `summary()`
# lists every layer with its output shape, any intermediate tensor can
# become an output (as above), and a functional model is saved as a
# description of its graph, so loading it needs no model code: only the
# classes of any custom layers, registered, in the loading program. `Sequential`
# only expresses straight chains (no two inputs, no residual `Add`), and a
# subclassed model's `call` is opaque Python: Keras only learns its shapes
# by running it, cannot show a full summary beforehand, and needs the class
# source to load it again.
#
# ### 6.1.5 Code in the forward pass: D2L's `FixedHiddenMLP`
#
# The D2L book (both editions, "Executing Code in the Forward Propagation
# Method") shows what a subclassed model's `forward` can do that a chain of
# layers cannot. Its `FixedHiddenMLP` holds a **constant** random weight
# that training never changes, reuses one linear layer twice (the same
# parameters at two places), and ends with **data-dependent control flow**:
# `while X.abs().sum() > 1: X /= 2`, then returns the sum. How far does the
# functional graph get? The constant and the reuse are fine: `keras.ops`
# accept symbolic tensors, a NumPy array becomes a constant of the graph,
# and calling one layer twice shares its weights. The Python `while` is not:
# when the graph is built, `h` has a shape but no values, so there is
# nothing to compare with 1.

# %%
rand_weight = np.random.default_rng(0).uniform(size=(20, 20)).astype("float32")
inputs = keras.Input(shape=(20,))
linear = keras.layers.Dense(20)
h = linear(inputs)
h = ops.relu(ops.matmul(h, rand_weight) + 1)  # a constant of the graph, not a weight
h = linear(h)                                  # the same layer again: shared weights
try:
    while ops.sum(ops.abs(h)) > 1:
        h = h / 2
except TypeError as error:
    print("TypeError:", error)

# %% [markdown]
# The graph can still express the loop, as an operation rather than as
# Python: `ops.while_loop(cond, body, loop_vars)` records "repeat `body`
# while `cond` holds" as one node, evaluated on the real values whenever the
# model runs. The constant shows up nowhere in the parameter count.

# %%
def halve_while_large(h):
    return ops.while_loop(lambda h: ops.sum(ops.abs(h)) > 1, lambda h: (h / 2,), (h,))[0]


fixed_functional = keras.Model(inputs, ops.sum(halve_while_large(h)), name="fixed_hidden_functional")
print("output:", float(fixed_functional(X)))
print("parameters:", fixed_functional.count_params(), "(one Dense of 20 x 20 + 20; the constant is not one)")

# %% [markdown]
# Two limits remain. The constant lives in the graph, invisible to
# `count_params`, `get_weights` and `save_weights`; and a graph holding a
# `while_loop` built from Python lambdas cannot be saved, because the
# lambdas are code, not configuration (section 6.6 meets the same wall with
# `Lambda` layers). The Keras way to package such a computation is a
# **subclassed layer** (section 6.5): the constant becomes a weight created
# with `trainable=False` (counted, saved with the other weights, untouched
# by the optimizer), and `call` may use any Python control flow, because on
# the torch backend `call` runs eagerly on real tensors. (To learn the
# output shape while the graph is built, Keras on torch runs `call` once on
# stand-in tensors, loop included; a JAX or TensorFlow tracer would refuse
# the Python `while`. Stating the shape in `compute_output_shape` skips that
# trial run and keeps the layer portable.) The layer then sits in a
# functional model like any other.

# %%
class FixedHidden(keras.layers.Layer):
    """D2L's FixedHiddenMLP as a layer: a constant weight, a reused Dense, a data-dependent loop."""

    def __init__(self, units=20, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.linear = keras.layers.Dense(units)

    def build(self, input_shape):
        self.linear.build(input_shape)
        self.rand_weight = self.add_weight(shape=(self.units, self.units), initializer="random_uniform",
                                           trainable=False, name="rand_weight")

    def call(self, x):
        x = self.linear(x)
        x = ops.relu(ops.matmul(x, self.rand_weight) + 1)
        x = self.linear(x)
        while ops.sum(ops.abs(x)) > 1:  # real values here: call runs eagerly on torch
            x = x / 2
        return ops.sum(x)

    def compute_output_shape(self, input_shape):
        return ()  # one number per call, whatever the batch

    def get_config(self):
        return {**super().get_config(), "units": self.units}


inputs = keras.Input(shape=(20,))
fixed_model = keras.Model(inputs, FixedHidden(name="fixed_hidden")(inputs))
print("output:", float(fixed_model(keras.random.uniform((2, 20), seed=5))))
print("trainable:", [w.path for w in fixed_model.trainable_weights])
print("non-trainable:", [w.path for w in fixed_model.non_trainable_weights],
      "| parameters:", fixed_model.count_params())

# %% [markdown]
# The price of the layer is the one named in 6.1.4: the graph now has an
# opaque node, whose shapes Keras takes on trust from
# `compute_output_shape`, and loading a saved model needs the class.
# Functional graph for the structure, small layers for the code that does
# not fit a graph: that is the division of labour this workbook follows.
#
# ### Summary
#
# * A Keras `Layer` maps tensors to tensors and owns weights; a `Model` is a
#   layer made of layers, so models nest.
# * Blocks can be Python functions that make layer calls (a flat model) or
#   functional models called as layers (a nested model).
# * The functional API records the graph, which makes models inspectable,
#   shape-checked and savable.
# * Constants and shared layers fit in a graph; data-dependent control flow
#   needs `ops.while_loop`/`ops.cond`, or a layer whose eager `call` runs
#   Python loops, with non-trainable weights for constants.
#
# ### Try it
#
# 1. **Count before you run.** The cell below strings `try_blocks` fresh
#    blocks of `make_mlp_block(try_width, try_hidden, ...)` together and
#    ends with `Dense(1)`. Work out its `count_params()` by hand, write it
#    into `my_params` and run the cell.
# 2. **One block, called again and again.** Now the cell calls *one* block
#    object `try_blocks` times. Predict the parameter count
#    (`my_reused_params`) before you look, then read the printed layer list:
#    how often does the block appear in it?
# 3. **A parallel block.** D2L asks for a block that feeds the same input to
#    two blocks and joins their outputs. The cell joins a block of width
#    `try_width` and one with twice the hidden units with
#    `keras.layers.Concatenate`. Predict the output shape on `try_batch` rows
#    (`my_parallel_shape`, a tuple such as `(3, 4)`).
# 4. **Layers in a Python list.** A subclassed model below keeps its layers in
#    a plain Python list, and so does a torch `nn.Module` next to it. Does
#    Keras find the weights of the listed layers (`my_list_tracked`, `"yes"`
#    or `"no"`)? Compare with what torch's `parameters()` finds, and look up
#    why torch has `nn.ModuleList`.
# 5. Change `try_blocks` and `try_width` and predict again: which term of
#    your count grows with the number of blocks, and which does not?

# %%
my_params = None          # question 1: a number
my_reused_params = None   # question 2: a number
my_parallel_shape = None  # question 3: a tuple
my_list_tracked = None    # question 4: "yes" or "no"
try_width, try_hidden, try_blocks, try_batch = 6, 16, 3, 5

try_inputs = keras.Input(shape=(try_width,))
x = try_inputs
for i in range(try_blocks):
    x = make_mlp_block(try_width, try_hidden, f"fresh_{i}")(x)
fresh_model = keras.Model(try_inputs, keras.layers.Dense(1)(x))
compare_prediction(my_params, fresh_model.count_params(), abs_tol=0.5, what="parameters with fresh blocks")

one_block = make_mlp_block(try_width, try_hidden, "one_block")
x = try_inputs
for _ in range(try_blocks):
    x = one_block(x)
reused_model = keras.Model(try_inputs, keras.layers.Dense(1)(x))
print("layers of the model with one block:", [layer.name for layer in reused_model.layers])
compare_prediction(my_reused_params, reused_model.count_params(), abs_tol=0.5,
                   what="parameters with one block called repeatedly")

left = make_mlp_block(try_width, try_hidden, "left")
right = make_mlp_block(try_width, 2 * try_hidden, "right")
parallel = keras.Model(try_inputs, keras.layers.Concatenate()([left(try_inputs), right(try_inputs)]))
parallel_out = parallel(keras.random.uniform((try_batch, try_width), seed=1))
compare_choice(my_parallel_shape, tuple(parallel_out.shape), what="output shape of the parallel block")


class ListOfLayers(keras.Model):
    def __init__(self, widths):
        super().__init__()
        self.stack = [keras.layers.Dense(width) for width in widths]  # a plain list

    def call(self, x):
        for layer in self.stack:
            x = layer(x)
        return x


class TorchListOfLayers(torch.nn.Module):
    def __init__(self, widths):
        super().__init__()
        self.stack = [torch.nn.Linear(a, b) for a, b in zip([try_width] + widths, widths)]  # a plain list


list_model = ListOfLayers([8, 8])
list_model(ops.ones((2, try_width)))
torch_count = sum(p.numel() for p in TorchListOfLayers([8, 8]).parameters())
print("Keras count_params():", list_model.count_params(), "| torch parameters():", torch_count)
compare_choice(my_list_tracked, "yes" if list_model.count_params() > 0 else "no", options=["yes", "no"],
               what="Keras tracks layers kept in a list")

# %% [markdown]
# ### Exercise 6.1: a nested model
#
# Write `make_block(width, hidden)`, a functional model
# `Input(width) -> Dense(hidden, relu) -> Dense(width)`, and
# `build_nested_model(width, hidden, num_blocks)`, a functional model that
# passes an `Input(width)` through `num_blocks` *fresh* blocks made by
# `make_block`, one after the other, then through `Dense(1)`. The outer
# model's layers should be `InputLayer`, one `Functional` per block and a
# `Dense`.

# %% tags=["exercise"] exercise="ch06.nested_model"
# exercise: ch06.nested_model
def make_block(width, hidden):
    """A functional model: Input(width) -> Dense(hidden, relu) -> Dense(width)."""
    raise NotImplementedError("ch06.nested_model: write your answer here")


def build_nested_model(width, hidden, num_blocks):
    """Input(width) -> num_blocks fresh blocks in a row -> Dense(1)."""
    raise NotImplementedError("ch06.nested_model: write your answer here")


# %% tags=["check"]
check("ch06.nested_model")

# %% [markdown]
# ## 6.2 Parameter Management
#
# Once a model is built we want to look at its parameters: to debug, to
# copy them somewhere else, to freeze some of them, or to share them between
# parts of the model. We use a small network with one hidden layer.

# %%
inputs = keras.Input(shape=(4,))
h = keras.layers.Dense(8, activation="relu", name="hidden")(inputs)
outputs = keras.layers.Dense(1, name="output")(h)
model = keras.Model(inputs, outputs)

X = keras.random.uniform((2, 4), seed=1)
print(model(X).shape)

# %% [markdown]
# ### 6.2.1 Parameter access
#
# `model.weights` lists every weight variable of the model in layer order.
# Each is a `keras.Variable` with a `path` (layer name / weight name), a
# shape, a dtype and a `trainable` flag. `layer.get_weights()` returns the
# values of one layer as NumPy arrays, and `model.get_layer(name)` finds a
# layer by name.

# %%
for weight in model.weights:
    print(f"{weight.path:16s} {str(tuple(weight.shape)):8s} {weight.dtype} trainable={weight.trainable}")

kernel, bias = model.get_layer("output").get_weights()
print(type(kernel).__name__, kernel.shape, bias)

# %% [markdown]
# Note the kernel shapes: `(4, 8)` and `(8, 1)`. Keras stores a `Dense`
# kernel as `(inputs, outputs)` and computes $\mathbf{X}\mathbf{W} +
# \mathbf{b}$. PyTorch's `nn.Linear` stores the transpose, `(outputs,
# inputs)`, and computes $\mathbf{X}\mathbf{W}^\top + \mathbf{b}$. Copying
# weights between the two frameworks therefore needs a transpose.

# %%
linear = torch.nn.Linear(4, 8)
print("torch nn.Linear(4, 8).weight:", tuple(linear.weight.shape))
print("keras Dense(8) on 4 inputs  :", tuple(model.get_layer("hidden").kernel.shape))

# %% [markdown]
# Behind each `keras.Variable` on the torch backend is a
# `torch.nn.Parameter` (`variable.value`), so torch tools work on it. To
# read values, prefer `ops.convert_to_numpy(variable)` or `get_weights()`,
# which copy the numbers to the CPU as NumPy arrays.

# %%
hidden_kernel = model.get_layer("hidden").kernel
print(type(hidden_kernel).__name__, "->", type(hidden_kernel.value).__name__,
      "requires_grad:", hidden_kernel.value.requires_grad)
print(ops.convert_to_numpy(hidden_kernel)[0])

# %% [markdown]
# ### 6.2.2 Counting parameters; trainable and non-trainable weights
#
# A `Dense` layer from $n$ to $m$ units has $nm$ kernel entries and $m$
# biases. `count_params()` adds them up, here $4 \cdot 8 + 8 + 8 \cdot 1 + 1
# = 49$.
#
# Not every weight is learned by gradient descent. Batch normalization
# (chapter 8) keeps running means and variances that are *updated* during
# training but not *trained*; Keras marks them non-trainable. Setting
# `layer.trainable = False` freezes a whole layer the same way, which is how
# pretrained parts of a model are kept fixed.

# %%
print("count_params:", model.count_params())

inputs = keras.Input(shape=(4,))
h = keras.layers.Dense(8, name="dense")(inputs)
h = keras.layers.BatchNormalization(name="norm")(h)
bn_model = keras.Model(inputs, keras.layers.Dense(1, name="head")(h))
print("trainable    :", [w.path for w in bn_model.trainable_weights])
print("non-trainable:", [w.path for w in bn_model.non_trainable_weights])

bn_model.get_layer("dense").trainable = False
print("after freezing 'dense':", len(bn_model.trainable_weights), "trainable weight variables")

# %% [markdown]
# ### 6.2.3 Reaching into nested models
#
# In a nested model, `model.weights` still lists *all* weights, those of the
# inner models included. To reach one particular layer, go through the
# names: `get_layer` on the outer model returns the inner model, and
# `get_layer` on that returns its layer.

# %%
print(len(nested.weights), "weight variables in the nested model of 6.1")
up_kernel = nested.get_layer("block_b").get_layer("up").kernel
print(up_kernel.path, tuple(up_kernel.shape))

# %% [markdown]
# ### Exercise 6.2: counting by hand
#
# For an MLP given by its layer widths `sizes = [n_0, n_1, ..., n_L]` (one
# `Dense` layer from each width to the next), write
# `dense_weight_shapes(sizes)`, the list of weight shapes in the order Keras
# lists them (kernel, then bias, per layer, in Keras' layout), and
# `mlp_param_count(sizes)`, the total number of parameters. Compute both
# with arithmetic; do not build a model.

# %% tags=["exercise"] exercise="ch06.param_count"
# exercise: ch06.param_count
def dense_weight_shapes(sizes):
    """Keras weight shapes of an MLP with layer widths sizes[0] -> ... -> sizes[-1]."""
    raise NotImplementedError("ch06.param_count: write your answer here")


def mlp_param_count(sizes):
    """Number of parameters of that MLP (kernels and biases)."""
    raise NotImplementedError("ch06.param_count: write your answer here")


# %% tags=["check"]
check("ch06.param_count")

# %% [markdown]
# ### Exercise 6.3: from Keras to torch
#
# `kernel` and `bias` are the weights of a Keras `Dense` layer (NumPy
# arrays, kernel of shape `(inputs, outputs)`). Write
# `dense_to_linear_state(kernel, bias)` that returns a dict
# `{"weight": ..., "bias": ...}` of float32 torch tensors that
# `torch.nn.Linear(inputs, outputs).load_state_dict` accepts and that makes
# the torch layer compute the same function; and
# `linear_output(kernel, bias, x)` that builds that `nn.Linear`, loads the
# state and returns its output on `x`.

# %% tags=["exercise"] exercise="ch06.torch_layout"
# exercise: ch06.torch_layout
def dense_to_linear_state(kernel, bias):
    """The state dict of a torch.nn.Linear equal to a Keras Dense(kernel, bias)."""
    raise NotImplementedError("ch06.torch_layout: write your answer here")


def linear_output(kernel, bias, x):
    """Load that state into a torch.nn.Linear and apply it to x."""
    raise NotImplementedError("ch06.torch_layout: write your answer here")


# %% tags=["check"]
check("ch06.torch_layout")

# %% [markdown]
# ### 6.2.4 Tied parameters
#
# Sometimes two parts of a model should use the *same* parameters, for
# example the input embedding and the output projection of a language
# model. In the functional API this needs no special mechanism: create a
# layer once and call it twice. Both calls read the same variables. Here is
# D2L's example, a shared hidden layer used twice in a row.

# %%
inputs = keras.Input(shape=(4,))
h = keras.layers.Dense(8, activation="relu", name="first")(inputs)
shared = keras.layers.Dense(8, activation="relu", name="shared")
h = shared(h)
h = shared(h)
outputs = keras.layers.Dense(1, name="last")(h)
tied = keras.Model(inputs, outputs)

print([layer.name for layer in tied.layers])
print(len(tied.weights), "weight variables,", tied.count_params(), "parameters")

# %% [markdown]
# The shared layer appears once in `tied.layers` and its kernel is counted
# once. There is only one variable, so changing it changes both uses:

# %%
shared.kernel.assign(ops.ones((8, 8)))
print("first use and second use read the same kernel:",
      shared.kernel is tied.get_layer("shared").kernel,
      float(ops.convert_to_numpy(ops.sum(shared.kernel))))

# %% [markdown]
# What happens to the gradient? The output depends on the shared kernel
# through *both* calls, and by the chain rule the gradient with respect to
# the kernel is the sum of the two contributions. We can check this with
# torch's autograd: build an *untied* copy in which the two uses are two
# separate layers holding the same values, take the gradient there for each
# copy, and compare their sum with the gradient of the tied model.

# %%
set_seed(3)
inputs = keras.Input(shape=(4,))
h = keras.layers.Dense(8, activation="relu")(inputs)
shared = keras.layers.Dense(8, activation="relu")
outputs = keras.layers.Dense(1)(shared(shared(h)))
tied = keras.Model(inputs, outputs)

inputs = keras.Input(shape=(4,))
h = keras.layers.Dense(8, activation="relu")(inputs)
copy_1, copy_2 = keras.layers.Dense(8, activation="relu"), keras.layers.Dense(8, activation="relu")
untied = keras.Model(inputs, keras.layers.Dense(1)(copy_2(copy_1(h))))
w = tied.get_weights()
untied.set_weights(w[:2] + w[2:4] + w[2:4] + w[4:])  # the shared weights twice

X = keras.random.normal((16, 4), seed=2)
ops.sum(tied(X)).backward()
ops.sum(untied(X)).backward()
tied_grad = shared.kernel.value.grad
sum_of_uses = copy_1.kernel.value.grad + copy_2.kernel.value.grad
print("max |tied grad - (grad of use 1 + grad of use 2)|:",
      float(ops.max(ops.abs(tied_grad - sum_of_uses))))

# %% [markdown]
# The difference is rounding noise. An optimizer therefore updates a shared
# layer with the sum of what each use asks for.
#
# ### Summary
#
# * `model.weights`, `layer.get_weights()`, `get_layer(name)` and
#   `count_params()` expose every parameter; nested models are reached name
#   by name.
# * Keras kernels are `(inputs, outputs)`, torch `nn.Linear` weights
#   `(outputs, inputs)`.
# * Weights can be trainable or not; `layer.trainable = False` freezes a
#   layer.
# * Calling one layer object twice ties the parameters; the gradients of
#   the uses add up.
#
# ### Try it
#
# 1. **Count a tied model by hand.** The cell below builds
#    `Input(try_width) -> Dense(try_hidden)`, then one shared
#    `Dense(try_hidden)` called `try_uses` times, then `Dense(1)`. Predict
#    `count_params()` (`my_tied_params`). Does your number depend on
#    `try_uses`? Change it and see.
# 2. **The gradient of a tied weight.** A `Dense(1)` without bias on one
#    feature is the map $x \mapsto wx$; calling it twice gives $y = w(wx)$.
#    Work out $\partial y / \partial w$ at `try_w` and `try_x` by hand
#    (`my_tied_grad`); the cell asks torch's autograd. Then untie the two
#    uses in your head: which gradient would each copy get, and how do the
#    two add up to yours?
# 3. **Freeze the shared layer** (`trainable = False`). Predict how many
#    *trainable* parameters remain (`my_trainable_after_freeze`).
# 4. **Non-trainable, but counted.** A `BatchNormalization` on `try_hidden`
#    features keeps a running mean and variance per feature. Predict its
#    number of non-trainable parameters (`my_bn_non_trainable`) and check
#    that `count_params()` includes them.

# %%
my_tied_params = None             # question 1
my_tied_grad = None               # question 2
my_trainable_after_freeze = None  # question 3
my_bn_non_trainable = None        # question 4
try_width, try_hidden, try_uses = 5, 7, 3
try_w, try_x = 3.0, 2.0


def weight_count(weights):
    return int(sum(np.prod(w.shape) for w in weights))


try_inputs = keras.Input(shape=(try_width,))
x = keras.layers.Dense(try_hidden, activation="relu")(try_inputs)
try_shared = keras.layers.Dense(try_hidden, activation="relu")
for _ in range(try_uses):
    x = try_shared(x)
try_tied = keras.Model(try_inputs, keras.layers.Dense(1)(x))
compare_prediction(my_tied_params, try_tied.count_params(), abs_tol=0.5, what="parameters of the tied model")

scalar = keras.layers.Dense(1, use_bias=False, kernel_initializer=keras.initializers.Constant(try_w))
ops.sum(scalar(scalar(ops.convert_to_tensor([[try_x]])))).backward()
compare_prediction(my_tied_grad, float(scalar.kernel.value.grad), rel_tol=1e-6,
                   what="dy/dw of y = w * (w * x)")

try_shared.trainable = False
compare_prediction(my_trainable_after_freeze, weight_count(try_tied.trainable_weights), abs_tol=0.5,
                   what="trainable parameters after freezing the shared layer")

bn = keras.layers.BatchNormalization()
bn.build((None, try_hidden))
print("BatchNormalization: count_params", bn.count_params(),
      "| non-trainable:", [w.path for w in bn.non_trainable_weights])
compare_prediction(my_bn_non_trainable, weight_count(bn.non_trainable_weights), abs_tol=0.5,
                   what="non-trainable parameters of BatchNormalization")

# %% [markdown]
# ### Exercise 6.4: a model with tied layers
#
# Write `build_tied_model(width, hidden)`: a functional model
# `Input(width) -> Dense(hidden, relu)`, then one `Dense(hidden, relu)`
# layer applied **twice** in a row, then `Dense(1)`. The model should have
# six weight variables.

# %% tags=["exercise"] exercise="ch06.tied_layers"
# exercise: ch06.tied_layers
def build_tied_model(width, hidden):
    """Input -> Dense(hidden, relu) -> shared Dense(hidden, relu) twice -> Dense(1)."""
    raise NotImplementedError("ch06.tied_layers: write your answer here")


# %% tags=["check"]
check("ch06.tied_layers")

# %% [markdown]
# ## 6.3 Parameter Initialization
#
# Chapter 5 showed why the starting values of the weights matter for
# numerical stability. Every Keras layer that owns weights takes
# initializers for them; a `Dense` layer's defaults are Glorot (Xavier)
# uniform for the kernel and zeros for the bias, as its configuration says.

# %%
config = keras.layers.Dense(8).get_config()
print(config["kernel_initializer"]["class_name"], config["bias_initializer"]["class_name"])

# %% [markdown]
# ### 6.3.1 Built-in initializers
#
# `keras.initializers` has the usual ones: `RandomNormal`, `RandomUniform`,
# `TruncatedNormal`, `Zeros`, `Ones`, `Constant`, `GlorotUniform`,
# `HeNormal`, `Orthogonal` and more. They are passed to a layer as
# `kernel_initializer=` and `bias_initializer=` (an object, or a name such
# as `"zeros"`). Here the hidden layer starts from
# $\mathcal{N}(0, 0.01^2)$ with zero bias, and the output layer from the
# constant 1. Note that `RandomNormal`'s default standard deviation is 0.05,
# not 1 and not 0.01: say what you mean.

# %%
inputs = keras.Input(shape=(4,))
h = keras.layers.Dense(
    8, activation="relu",
    kernel_initializer=keras.initializers.RandomNormal(mean=0.0, stddev=0.01, seed=1),
    bias_initializer="zeros",
)(inputs)
outputs = keras.layers.Dense(1, kernel_initializer=keras.initializers.Constant(1.0))(h)
init_model = keras.Model(inputs, outputs)

first_kernel, first_bias, last_kernel, _ = init_model.get_weights()
print("hidden kernel std:", first_kernel.std(), "| hidden bias:", first_bias[:3], "...")
print("output kernel:", last_kernel.ravel())

# %% [markdown]
# ### 6.3.2 Seeds
#
# An initializer with a `seed` produces the same values every time it is
# called, and a model built from seeded initializers starts from the same
# point on every run. In Keras 3 an initializer *without* a seed draws one
# when the object is created (from the global random state, which
# `set_seed` fixes for a whole notebook). So a new unseeded object gives
# new values, but calling the *same* object twice repeats them, and one
# initializer object handed to two layers gives both the same start, which
# is rarely what you want.

# %%
seeded = keras.initializers.GlorotUniform(seed=7)
print("same seeded object, same values:  ", bool(ops.all(seeded((3, 3)) == seeded((3, 3)))))
first_values = keras.initializers.GlorotUniform()((3, 3))
second_values = keras.initializers.GlorotUniform()((3, 3))
print("two unseeded objects, same values:", bool(ops.all(first_values == second_values)))
one_init = keras.initializers.RandomNormal(stddev=1.0)
twin_a = keras.layers.Dense(3, kernel_initializer=one_init)
twin_b = keras.layers.Dense(3, kernel_initializer=one_init)
twin_a.build((None, 3))
twin_b.build((None, 3))
print("two layers, one initializer object, same kernel:",
      np.array_equal(twin_a.get_weights()[0], twin_b.get_weights()[0]))

# %% [markdown]
# ### 6.3.3 Re-initializing a built model
#
# An initializer is just a function from a shape to a tensor. To reset the
# weights of a layer that already exists, call the initializer with the
# weight's shape and write the result with `variable.assign`, or give
# `set_weights` a list of arrays of the right shapes. This is how D2L's
# "Xavier for the first layer, 42 for the last" example looks in Keras.

# %%
hidden_layer, output_layer = init_model.layers[1], init_model.layers[2]
hidden_layer.kernel.assign(keras.initializers.GlorotUniform(seed=0)(hidden_layer.kernel.shape))
output_layer.set_weights([np.full((8, 1), 42.0), np.zeros(1)])
bound = np.sqrt(6 / (4 + 8))
print("hidden kernel within the Xavier bound", round(bound, 3), ":",
      bool(np.all(np.abs(hidden_layer.get_weights()[0]) <= bound)))
print("output kernel:", output_layer.get_weights()[0].ravel())

# %% [markdown]
# ### 6.3.4 Custom initializers
#
# When no built-in initializer fits, write one. Anything callable as
# `f(shape, dtype=None)` that returns a tensor of that shape works; a
# subclass of `keras.initializers.Initializer` with a `get_config` can also
# be saved with the model. Here is a "scaled identity" initializer for
# square kernels, which makes a layer start out as $\mathbf{x} \mapsto g
# \mathbf{x}$.

# %%
class ScaledIdentity(keras.initializers.Initializer):
    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        if len(shape) != 2 or shape[0] != shape[1]:
            raise ValueError(f"ScaledIdentity needs a square kernel, got shape {shape}")
        return self.gain * ops.eye(shape[0], dtype=dtype or "float32")

    def get_config(self):
        return {"gain": self.gain}


layer = keras.layers.Dense(3, kernel_initializer=ScaledIdentity(0.5))
print(layer(ops.ones((1, 3))))

# %% [markdown]
# ### Summary
#
# * Layers take `kernel_initializer` and `bias_initializer`; `Dense`
#   defaults to Glorot uniform and zeros.
# * Seeded initializers repeat their values; an unseeded one draws its
#   seed from the global random state when it is created.
# * A built layer is re-initialized with `assign` or `set_weights`.
# * A custom initializer is a function of `(shape, dtype)` or an
#   `Initializer` subclass.
#
# ### Try it
#
# 1. **The spread of a layer's outputs.** Feed inputs with independent
#    standard-normal entries into a `Dense(try_out)` without bias whose
#    kernel is drawn from $\mathcal{N}(0, \sigma^2)$ with $\sigma$ =
#    `try_sigma`. Each output is a sum of `try_in` products: predict the
#    standard deviation of the outputs (`my_normal_std`).
# 2. **The default.** Predict the same for Keras' default Glorot uniform
#    kernel, whose variance is $2 / (n_\text{in} + n_\text{out})$
#    (`my_glorot_std`). Swap `try_in` and `try_out`: which way round
#    keeps the outputs closer to the inputs' spread?
# 3. **Truncated.** `TruncatedNormal(stddev=1.0)` redraws every value
#    farther than two standard deviations from the mean. Is the spread of
#    its samples still 1? Predict it (`my_truncated_std`).
# 4. **All equal at the start.** The cell sets every kernel of a small MLP
#    to the constant `try_constant`, takes `try_steps` gradient steps on
#    random data, then counts the *different* hidden units (distinct
#    columns of the hidden kernel). Predict the count (`my_distinct_units`).
#    Then set `try_constant = 0.0`: which weights move at all? Why does a
#    random start fix both problems?

# %% tags=["heavy"]
from workbook.scratch import sgd_step

my_normal_std = None      # question 1
my_glorot_std = None      # question 2
my_truncated_std = None   # question 3
my_distinct_units = None  # question 4
try_in, try_out, try_sigma = 64, 256, 0.05
try_constant, try_steps = 0.5, PROFILE.pick(tiny=5, default=20, full=50)

X_try = keras.random.normal((2000, try_in), seed=11)
for what, initializer, prediction in [
    (f"N(0, {try_sigma}^2)", keras.initializers.RandomNormal(stddev=try_sigma, seed=1), my_normal_std),
    ("Glorot uniform", keras.initializers.GlorotUniform(seed=1), my_glorot_std),
]:
    try_layer = keras.layers.Dense(try_out, use_bias=False, kernel_initializer=initializer)
    output_std = float(ops.std(try_layer(X_try)))
    compare_prediction(prediction, output_std, rel_tol=0.1, what=f"std of the outputs, {what} kernel")

truncated = ops.convert_to_numpy(keras.initializers.TruncatedNormal(stddev=1.0, seed=2)((100_000,)))
compare_prediction(my_truncated_std, truncated.std(), rel_tol=0.03,
                   what="std of TruncatedNormal(stddev=1) draws")

constant = keras.initializers.Constant(try_constant)
try_inputs = keras.Input(shape=(4,))
hidden_try = keras.layers.Dense(8, activation="relu", kernel_initializer=constant)
output_try = keras.layers.Dense(1, kernel_initializer=constant)
constant_mlp = keras.Model(try_inputs, output_try(hidden_try(try_inputs)))
X_const = keras.random.normal((64, 4), seed=12)
y_const = keras.random.normal((64, 1), seed=13)
for _ in range(try_steps):
    sgd_step(constant_mlp.trainable_weights, ops.mean((constant_mlp(X_const) - y_const) ** 2), 0.05)
hidden_kernel_try = hidden_try.get_weights()[0]
distinct = np.unique(np.round(hidden_kernel_try, 5), axis=1).shape[1]  # distinct columns
print("hidden kernel after training:\n", np.round(hidden_kernel_try, 3))
compare_prediction(my_distinct_units, distinct, abs_tol=0.5, what="distinct hidden units")

# %% [markdown]
# ### Exercise 6.5: choosing the spread
#
# Write `build_initialized_mlp(width, hidden, seed)`: a functional model
# `Input(width) -> Dense(hidden, relu) -> Dense(1)` that starts out as
# follows.
#
# * The hidden kernel is drawn from a normal distribution
#   $\mathcal{N}(0, \sigma^2)$ (not a truncated one) with the given `seed`:
#   the same seed gives the same kernel, another seed another one. Choose
#   $\sigma$ so that for inputs whose entries are independent with mean 0
#   and variance 1, every hidden pre-activation (the value before the ReLU)
#   has variance 1. The hidden bias is zero.
# * The output layer computes the *mean* of the `hidden` activations plus
#   1: choose its kernel and bias initializers to make it so.

# %% tags=["exercise"] exercise="ch06.initializers"
# exercise: ch06.initializers
def build_initialized_mlp(width, hidden, seed):
    """Dense(hidden, relu) with a seeded normal kernel that keeps unit variance
    and zero bias, then Dense(1) computing the mean of the hidden units plus 1."""
    raise NotImplementedError("ch06.initializers: write your answer here")


# %% tags=["check"]
check("ch06.initializers")

# %% [markdown]
# ### Exercise 6.6: D2L's odd initializer
#
# D2L's custom initializer draws every weight from $U(-10, 10)$ and then
# keeps it only if $|w| \ge 5$, setting the others to zero. Write it as
# `chopped_uniform(shape, dtype=None)` (use `keras.random` and `keras.ops`
# and return a tensor of the given shape and `dtype`: float32 when `dtype` is
# None, float64 for `dtype="float64"`), and write `chopped_dense(units)`
# that returns a `Dense(units)` layer (not yet built) whose kernel starts
# from `chopped_uniform`.

# %% tags=["exercise"] exercise="ch06.custom_initializer"
# exercise: ch06.custom_initializer
def chopped_uniform(shape, dtype=None):
    """U(-10, 10) with every entry of absolute value below 5 set to zero."""
    raise NotImplementedError("ch06.custom_initializer: write your answer here")


def chopped_dense(units):
    """A Dense layer whose kernel starts from chopped_uniform (bias zeros)."""
    raise NotImplementedError("ch06.custom_initializer: write your answer here")


# %% tags=["check"]
check("ch06.custom_initializer")

# %% [markdown]
# ## 6.4 Lazy Initialization
#
# We have written `Dense(256)` many times without saying how many inputs the
# layer has. The kernel's shape depends on that number, so the layer cannot
# create its weights when it is constructed. It waits: a Keras layer creates
# its weights in `build(input_shape)`, which runs automatically the first
# time the layer is called. Until then `layer.built` is `False` and the
# layer has no weights at all. (PyTorch calls the same idea
# `nn.LazyLinear`.)

# %%
layer = keras.layers.Dense(256)
print("built:", layer.built, "| weights:", layer.weights)
try:
    layer.kernel
except AttributeError as error:
    print("AttributeError:", error)

layer(ops.ones((2, 20)))
print("built:", layer.built, "| kernel shape:", tuple(layer.kernel.shape))

# %% [markdown]
# The same holds for a `Sequential` model without an `Input`: before it has
# seen data it has no weights, and `summary()` can only say "unbuilt".
# `layer.build(shape)` builds explicitly from a shape, without data.

# %%
lazy = keras.Sequential([keras.layers.Dense(256, activation="relu"), keras.layers.Dense(10)])
print("before:", lazy.built, len(lazy.weights), "weights")
lazy(ops.ones((2, 20)))
print("after: ", lazy.built, [tuple(w.shape) for w in lazy.weights])

explicit = keras.layers.Dense(5)
explicit.build((None, 3))
print("built from a shape:", tuple(explicit.kernel.shape))

# %% [markdown]
# In a functional model, `keras.Input` provides the shape up front, so every
# layer is built the moment it is called on the symbolic input: the model
# owns all its weights before any data exists, and shape mistakes surface
# while the model is being written rather than in the middle of training.

# %%
inputs = keras.Input(shape=(20,))
first = keras.layers.Dense(256, activation="relu")
print("before the call:", first.built)
h = first(inputs)
print("after calling on keras.Input:", first.built, tuple(first.kernel.shape))

try:
    keras.layers.Add()([h, keras.layers.Dense(10)(inputs)])
except ValueError as error:
    print("caught at construction:", str(error).splitlines()[0][:100])

# %% [markdown]
# ### Summary
#
# * Layers build their weights on the first call (or `build(shape)`), when
#   the input size is known; `layer.built` says whether that has happened.
# * `keras.Input` makes the functional model build eagerly, so its weights
#   and shapes are known at construction time.
#
# ### Try it
#
# 1. **A different input after the build.** A `Dense(try_units)` layer is
#    built by a first call on `try_features` features. What happens when it
#    is then called on `try_other` features? Pick one of `try_outcomes`
#    (`my_mismatch`). What does the message say was expected?
# 2. **More axes.** The same layer gets a batch of shape
#    `(try_batch, 5, try_features)`. Predict the output shape
#    (`my_rank3_shape`, a tuple), and say which axis the kernel acts on.
# 3. **Unknown width.** Can a `Dense` layer be built on
#    `keras.Input(shape=(None,))`, an input whose feature count is left
#    open (`my_unknown_width`, one of `try_outcomes`)? What would the
#    kernel's shape be?
# 4. **A lazy model's size.** Predict the `count_params()` of a lazy
#    `Sequential([Dense(try_units, relu), Dense(10)])` after its first call
#    on `try_features` features (`my_lazy_params`).
# 5. Inputs whose width varies from batch to batch cannot share one kernel.
#    How would you build a model for them? (Hint: which parts could be
#    shared, as in 6.2.4, and which must depend on the width?)

# %%
my_mismatch = None       # question 1: one of try_outcomes
my_rank3_shape = None    # question 2: a tuple
my_unknown_width = None  # question 3: one of try_outcomes
my_lazy_params = None    # question 4: a number
try_units, try_features, try_other, try_batch = 16, 20, 30, 2
try_outcomes = ["it works", "ValueError", "TypeError", "RuntimeError", "another error"]


def outcome(action):
    """'it works', or the name of the error the action raises (a few common ones by name)."""
    try:
        action()
    except Exception as error:
        name = type(error).__name__
        print(f"  {name}: {str(error).splitlines()[0][:110]}")
        return name if name in try_outcomes else "another error"
    return "it works"


try_layer = keras.layers.Dense(try_units)
try_layer(ops.ones((try_batch, try_features)))
compare_choice(my_mismatch, outcome(lambda: try_layer(ops.ones((try_batch, try_other)))),
               options=try_outcomes, what="a call with another number of features")
compare_choice(my_rank3_shape, tuple(try_layer(ops.ones((try_batch, 5, try_features))).shape),
               what="output shape on a rank-3 batch")
compare_choice(my_unknown_width, outcome(lambda: keras.layers.Dense(try_units)(keras.Input(shape=(None,)))),
               options=try_outcomes, what="a Dense layer on Input(shape=(None,))")

lazy_try = keras.Sequential([keras.layers.Dense(try_units, activation="relu"), keras.layers.Dense(10)])
lazy_try(ops.ones((try_batch, try_features)))
compare_prediction(my_lazy_params, lazy_try.count_params(), abs_tol=0.5,
                   what="parameters after the first call")

# %% [markdown]
# ### Exercise 6.7: watching a layer build
#
# Write `deferred_build_report(units, x)`. Create one `Dense(u)` layer for
# each `u` in the list `units`, *without* any input shape, record
# `layer.built` for each, then pass `x` (a NumPy array of shape
# `(batch, features)`) through the layers one after the other. Return a
# dict with `"built_before"` and `"built_after"` (lists of booleans) and
# `"kernel_shapes"` (a list of kernel shapes as tuples).

# %% tags=["exercise"] exercise="ch06.deferred"
# exercise: ch06.deferred
def deferred_build_report(units, x):
    """Create Dense layers without input shapes, then run x through them."""
    raise NotImplementedError("ch06.deferred: write your answer here")


# %% tags=["check"]
check("ch06.deferred")

# %% [markdown]
# ## 6.5 Custom Layers
#
# Sooner or later a model needs a layer that Keras does not have. A custom
# layer subclasses `keras.layers.Layer` and writes its computation in
# `call` with `keras.ops`, so that it works on real tensors and on the
# symbolic tensors of a functional model alike (a raw torch function such
# as `torch.mean` fails on a symbolic `KerasTensor`).
#
# ### 6.5.1 Layers without parameters
#
# D2L's first example subtracts the mean from its input. The book takes the
# mean over the *whole* tensor, batch included, which makes the output for
# one example depend on the other examples in the batch. We center every
# example on its own instead: the mean is taken over the last axis only,
# with `keepdims=True` so that it broadcasts back.

# %%
class Centering(keras.layers.Layer):
    """x minus the mean of its last axis."""

    def call(self, x):
        return x - ops.mean(x, axis=-1, keepdims=True)


print(Centering()(ops.convert_to_tensor([[1.0, 2.0, 3.0, 4.0, 5.0], [10.0, 10.0, 10.0, 10.0, 20.0]])))

# %% [markdown]
# A layer without weights needs nothing but `call`. It can be used in a
# functional model like any other layer; after a `Dense(128)`, the mean of
# each output row is zero up to rounding.

# %%
inputs = keras.Input(shape=(8,))
centered = keras.Model(inputs, Centering()(keras.layers.Dense(128)(inputs)))
Y = ops.convert_to_numpy(centered(keras.random.uniform((4, 8), seed=5)))
print("largest |row mean| of the output:", np.abs(Y.mean(axis=-1)).max())

# %% [markdown]
# ### Exercise 6.8: a centering layer
#
# Write `CenteredLayer`, a layer without weights that subtracts from its
# input the mean over the **last axis** (each example's own mean, for
# inputs of any rank); `make_centered_layer()` that returns a new
# `CenteredLayer()`; and `build_centered_model(width, units)`, a functional
# model `Input(width) -> Dense(units) -> CenteredLayer()`.

# %% tags=["exercise"] exercise="ch06.centered"
# exercise: ch06.centered
class CenteredLayer(keras.layers.Layer):
    """Subtracts from every example the mean of its own features (last axis)."""

    def call(self, x):
        raise NotImplementedError("ch06.centered: write your answer here")


def make_centered_layer():
    raise NotImplementedError("ch06.centered: write your answer here")


def build_centered_model(width, units):
    """Input(width) -> Dense(units) -> CenteredLayer()."""
    raise NotImplementedError("ch06.centered: write your answer here")


# %% tags=["check"]
check("ch06.centered")

# %% [markdown]
# ### 6.5.2 Layers with parameters
#
# A layer with weights creates them with `self.add_weight(shape=...,
# initializer=..., trainable=...)`, normally inside `build(input_shape)`
# so that it can adapt to the input size (section 6.4). Variables created
# this way are tracked by Keras: they appear in `layer.weights`, in
# `count_params()`, in the optimizer's updates and in saved files.
#
# As an example take a per-feature affine map, $y_j = \gamma_j x_j +
# \beta_j$, the learnable part of layer normalization. Its constructor
# accepts `**kwargs` and passes them on, so that standard arguments such
# as `name` work, and `get_config` returns what is needed to construct the
# layer again (more on that in 6.5.4).

# %%
class ScaleShift(keras.layers.Layer):
    """y = gamma * x + beta, one gamma and beta per feature."""

    def __init__(self, gamma_init=1.0, **kwargs):
        super().__init__(**kwargs)
        self.gamma_init = gamma_init

    def build(self, input_shape):
        features = input_shape[-1]
        self.gamma = self.add_weight(
            shape=(features,), initializer=keras.initializers.Constant(self.gamma_init), name="gamma"
        )
        self.beta = self.add_weight(shape=(features,), initializer="zeros", name="beta")

    def call(self, x):
        return self.gamma * x + self.beta

    def get_config(self):
        return {**super().get_config(), "gamma_init": self.gamma_init}


inputs = keras.Input(shape=(3,))
affine = keras.Model(inputs, ScaleShift(2.0, name="affine")(inputs))
print([(w.path, tuple(w.shape), w.trainable) for w in affine.weights])
print(affine(ops.ones((1, 3))))

# %% [markdown]
# ### 6.5.3 Do not detach your own weights
#
# D2L's hand-written linear layer reads its weight as `self.weight.data`.
# In PyTorch `.data` is the raw tensor *without* its autograd history, so
# the layer computes the right numbers but its weight receives no gradient
# and never trains. The Keras counterparts of that mistake are
# `self.gamma.value.data`, `.detach()` or `ops.stop_gradient(self.gamma)`.
# We can watch it happen with torch's autograd:

# %%
class DetachedScaleShift(ScaleShift):
    def call(self, x):
        return self.gamma.value.data * x + self.beta  # the bug: .data cuts the graph


x = ops.convert_to_tensor([[1.0, 2.0, 3.0]])
for layer in (ScaleShift(), DetachedScaleShift()):
    y = layer(x)
    ops.sum(y).backward()
    name = type(layer).__name__
    print(f"{name:19s} gamma.grad = {layer.gamma.value.grad}   beta.grad = {layer.beta.value.grad}")

# %% [markdown]
# The detached `gamma` gets `None`: an optimizer would leave it at its
# initial value forever, and nothing in the forward pass warns about it.
# Inside `call`, use the variables themselves (`self.gamma`) with
# `keras.ops` and let autograd do its work.
#
# ### 6.5.4 Configs and registration
#
# To save a model and load it later without its Python objects, Keras
# writes the *config* of every layer (a JSON-friendly dict) and, when
# loading, calls `cls.from_config(config)`, which by default is
# `cls(**config)`. That is why a custom layer returns its constructor
# arguments from `get_config` (together with `super().get_config()`, which
# holds `name`, `trainable` and `dtype`) and why its `__init__` must accept
# `**kwargs`. Keras 3 also records simple constructor arguments (numbers,
# strings) automatically, but writing `get_config` makes the contract
# explicit and is required as soon as an argument is not a simple value.
#
# Loading must also find the *class* from the name stored in the file.
# `@keras.saving.register_keras_serializable(package=...)` enters the
# class in Keras' registry under `"package>ClassName"`; without it, loading
# fails (6.6 shows the error).

# %%
@keras.saving.register_keras_serializable(package="ch06")
class RegisteredScaleShift(ScaleShift):
    pass


layer = RegisteredScaleShift(3.0, name="scale_shift")
config = layer.get_config()
print(config)
rebuilt = RegisteredScaleShift.from_config(config)
print("from_config gives the same config:", rebuilt.get_config() == config)
print("registered as:", keras.saving.get_registered_name(RegisteredScaleShift))

# %% [markdown]
# ### Summary
#
# * A custom layer subclasses `keras.layers.Layer`, writes `call` with
#   `keras.ops`, and creates weights with `add_weight` in `build`.
# * Never read your weights through `.data`, `.detach()` or
#   `stop_gradient` in `call`: they stop receiving gradients.
# * `get_config` (plus `**kwargs` in `__init__`) and
#   `register_keras_serializable` make a layer savable and loadable.
#
# ### Try it
#
# 1. **A tensor reduction.** D2L asks for a layer computing
#    $y_k = \sum_{i,j} W_{ijk}\, x_i x_j$. The cell's `Bilinear(units)` does
#    it with one `ops.einsum`. For `try_width` inputs and `try_units`
#    outputs, predict its `count_params()` (`my_bilinear_params`). Is
#    $W_{ijk}$ for $i \ne j$ really two parameters' worth of freedom, or
#    one?
# 2. **Who needs `get_config`?** Keras 3 records simple constructor
#    arguments by itself. The cell saves a model holding one of three
#    registered layers without `get_config` and loads it again:
#    `"number"` takes a float, `"array"` a NumPy array, and `"no kwargs"`
#    takes a float but its `__init__` has no `**kwargs`. For each
#    `try_variant`, predict one of `try_fates` (`my_fate`). Where in the
#    round trip do the failing ones fail, and what would cure each?
# 3. **Gradients by hand.** For `ScaleShift` and the two-row batch `x_try`,
#    the gradient of the sum of the outputs with respect to $\gamma_1$ is a
#    sum over the batch. Predict it (`my_gamma_grad`). What would
#    `DetachedScaleShift` give?
# 4. Write a layer that keeps the first half of the Fourier coefficients of
#    its input (`ops.fft` or `ops.rfft` take care of the transform). Does
#    it need `build`?

# %%
import os
import tempfile

my_bilinear_params = None  # question 1
my_fate = None             # question 2: one of try_fates
my_gamma_grad = None       # question 3
try_width, try_units, try_variant = 4, 3, "number"   # try_variant: "number", "array" or "no kwargs"
try_fates = ["loads", "save fails", "load fails"]


class Bilinear(keras.layers.Layer):
    """y_k = sum_ij W_ijk x_i x_j."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        d = input_shape[-1]
        self.w = self.add_weight(shape=(d, d, self.units), initializer="glorot_uniform", name="w")

    def call(self, x):
        return ops.einsum("bi,ijk,bj->bk", x, self.w, x)


bilinear = Bilinear(try_units)
print("Bilinear output shape:", tuple(bilinear(ops.ones((2, try_width))).shape))
compare_prediction(my_bilinear_params, bilinear.count_params(), abs_tol=0.5, what="parameters of Bilinear")


@keras.saving.register_keras_serializable(package="ch06_try")
class ScaleByNumber(keras.layers.Layer):
    def __init__(self, factor, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, x):
        return x * self.factor


@keras.saving.register_keras_serializable(package="ch06_try")
class ScaleByArray(ScaleByNumber):
    pass


@keras.saving.register_keras_serializable(package="ch06_try")
class ScaleNoKwargs(keras.layers.Layer):
    def __init__(self, factor):
        super().__init__()
        self.factor = factor

    def call(self, x):
        return x * self.factor


variants = {"number": lambda: ScaleByNumber(2.0), "array": lambda: ScaleByArray(np.full(3, 2.0, "float32")),
            "no kwargs": lambda: ScaleNoKwargs(2.0)}
try_inputs = keras.Input(shape=(3,))
round_trip = keras.Model(try_inputs, variants[try_variant]()(try_inputs))


def innermost(error):
    """The error's own words: Keras nests the cause at the end, after 'Exception encountered:'."""
    text = str(error).split("Exception encountered: ")[-1].split("Example:")[0]
    return f"  {type(error).__name__}: " + " ".join(text.split())[:240]


with tempfile.TemporaryDirectory() as try_folder:
    try_path = os.path.join(try_folder, "variant.keras")
    fate = "loads"
    try:
        round_trip.save(try_path)
    except Exception as error:
        fate = "save fails"
        print(innermost(error))
    if fate == "loads":
        try:
            keras.saving.load_model(try_path)
        except Exception as error:
            fate = "load fails"
            print(innermost(error))
compare_choice(my_fate, fate, options=try_fates, what=f"the round trip of the {try_variant!r} layer")

x_try = ops.convert_to_tensor([[1.0, 2.0, 3.0], [-4.0, 0.5, 2.0]])
gamma_layer = ScaleShift()
ops.sum(gamma_layer(x_try)).backward()
compare_prediction(my_gamma_grad, float(gamma_layer.gamma.value.grad[0]), rel_tol=1e-6,
                   what="d sum(y) / d gamma_1")

# %% [markdown]
# ### Exercise 6.9: a dense layer of your own
#
# Write `MyDense(units)`, a layer that creates in `build` a trainable
# kernel of shape `(inputs, units)`, where `inputs` is the size of the
# input's **last** axis (like `Dense`, it takes inputs of any rank), and a
# trainable bias of shape
# `(units,)` with `add_weight` (in that order) and computes
# $\mathrm{ReLU}(\mathbf{x}\mathbf{W} + \mathbf{b})$;
# `build_my_dense_model(width, units)`, a functional model
# `Input(width) -> MyDense(units)`; and
# `my_dense_gradients(x, kernel, bias)`, which builds a `MyDense` layer for
# the given NumPy `kernel` and `bias`, loads them, applies it to `x` and
# returns the pair `(gradient w.r.t. the kernel, gradient w.r.t. the bias)`
# of the sum of the outputs, computed with torch autograd (after
# `loss.backward()`, a Keras variable's gradient is in
# `variable.value.grad`).

# %% tags=["exercise"] exercise="ch06.my_dense"
# exercise: ch06.my_dense
class MyDense(keras.layers.Layer):
    """relu(x @ kernel + bias) with a trainable kernel (in, units) and bias (units,)."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        raise NotImplementedError("ch06.my_dense: write your answer here")

    def call(self, x):
        raise NotImplementedError("ch06.my_dense: write your answer here")


def build_my_dense_model(width, units):
    """Input(width) -> MyDense(units)."""
    raise NotImplementedError("ch06.my_dense: write your answer here")


def my_dense_gradients(x, kernel, bias):
    """Gradients of sum(MyDense(x)) with respect to its kernel and bias."""
    raise NotImplementedError("ch06.my_dense: write your answer here")


# %% tags=["check"]
check("ch06.my_dense")

# %% [markdown]
# ## 6.6 File I/O
#
# Training takes time; its result should outlive the Python process. We
# need to save single tensors, whole models and weights, and get them back
# *exactly*. Everything in this section writes into a temporary folder that
# disappears at the end.

# %%
import os
import tempfile
import zipfile

workdir = tempfile.TemporaryDirectory()
folder = workdir.name

# %% [markdown]
# ### 6.6.1 Tensors
#
# Plain arrays are saved with NumPy (`np.save` for one array, `np.savez` for
# several by name) and torch tensors with `torch.save`, which also takes
# lists and dicts of tensors. `torch.load` uses `weights_only=True` by
# default in recent torch versions: it restores tensors and plain
# containers but refuses arbitrary pickled Python objects.

# %%
x = ops.arange(4, dtype="float32")
np.save(os.path.join(folder, "x.npy"), ops.convert_to_numpy(x))
print(np.load(os.path.join(folder, "x.npy")))

np.savez(os.path.join(folder, "xy.npz"), x=np.arange(4.0), y=np.zeros(4))
print(dict(np.load(os.path.join(folder, "xy.npz"))))

torch.save({"x": x, "y": torch.zeros(4)}, os.path.join(folder, "xy.pt"))
print(torch.load(os.path.join(folder, "xy.pt")))

# %% [markdown]
# ### 6.6.2 Whole models: the `.keras` format
#
# `model.save("name.keras")` writes one zip file with the architecture
# (`config.json`, the layer configs of 6.5.4), the weights
# (`model.weights.h5`) and some metadata; the optimizer state is included
# once the model has been compiled and trained. `keras.saving.load_model`
# rebuilds the model from it. The file holds configurations, not code: built-in
# layers load anywhere, while a custom layer's class must be defined and
# registered in the program that loads the file (here it is, in the same
# session; a fresh program would import the module that defines it first).
# We save D2L's MLP with a registered custom layer in it and compare
# predictions.

# %%
inputs = keras.Input(shape=(20,))
h = keras.layers.Dense(256, activation="relu")(inputs)
h = RegisteredScaleShift(0.5)(h)
mlp = keras.Model(inputs, keras.layers.Dense(10)(h))

X = keras.random.uniform((2, 20), seed=4)
path = os.path.join(folder, "mlp.keras")
mlp.save(path)
print(zipfile.ZipFile(path).namelist())

restored = keras.saving.load_model(path)
print("restored layers:", [type(layer).__name__ for layer in restored.layers])
difference = mlp.predict(X, verbose=0) - restored.predict(X, verbose=0)
print("max |difference| of predictions:", np.abs(difference).max())

# %% [markdown]
# The predictions agree exactly. Now the same with a custom layer that was
# *not* registered: saving works, loading cannot find the class.

# %%
class UnregisteredScale(keras.layers.Layer):
    def call(self, x):
        return 2.0 * x


inputs = keras.Input(shape=(3,))
unregistered = keras.Model(inputs, UnregisteredScale()(inputs))
unregistered.save(os.path.join(folder, "unregistered.keras"))
try:
    keras.saving.load_model(os.path.join(folder, "unregistered.keras"))
except (TypeError, ValueError) as error:
    print(type(error).__name__ + ":", error)

# %% [markdown]
# The message is long, and the line that matters is in its middle:
# "Could not locate class 'UnregisteredScale'", followed by the remedy,
# the decorator `@keras.saving.register_keras_serializable()`. The outer
# complaint about `Functional` is only the consequence: the model could not
# be rebuilt because one of its layers could not. Passing `custom_objects={"UnregisteredScale": UnregisteredScale}` to
# `load_model` would also work; registering the class once is simpler.
#
# ### 6.6.3 The `Lambda` pitfall
#
# `keras.layers.Lambda(lambda t: ...)` turns a Python function into a layer
# in one line, and saving such a model works. Loading it does not: the
# file would have to contain Python byte code, and running code from a file
# is exactly what `load_model`'s default `safe_mode=True` refuses.
# (`safe_mode=False` loads it, and runs whatever the file contains: only
# for files you trust.) A small registered layer such as `Centering` is the
# better habit.

# %%
inputs = keras.Input(shape=(3,))
with_lambda = keras.Model(inputs, keras.layers.Lambda(lambda t: t * 2.0)(inputs))
with_lambda.save(os.path.join(folder, "lambda.keras"))
print("saved; loading ...")
try:
    keras.saving.load_model(os.path.join(folder, "lambda.keras"))
except ValueError as error:
    print("ValueError:", str(error)[:120], "...")

# %% [markdown]
# ### 6.6.4 Weights only
#
# `model.save_weights(path)` writes only the weights, in HDF5, and Keras
# insists on the suffix `.weights.h5`. The architecture then lives in your
# code, as with torch's `state_dict`: to restore, build the same model again
# (it starts from fresh random weights) and call `load_weights`.

# %%
def build_mlp():
    inputs = keras.Input(shape=(20,))
    h = keras.layers.Dense(256, activation="relu")(inputs)
    return keras.Model(inputs, keras.layers.Dense(10)(h))


original = build_mlp()
weights_path = os.path.join(folder, "mlp.weights.h5")
original.save_weights(weights_path)

clone = build_mlp()
before = original.predict(X, verbose=0)
print("fresh clone differs:", not np.allclose(before, clone.predict(X, verbose=0)))
clone.load_weights(weights_path)
print("after load_weights, max |difference|:", np.abs(before - clone.predict(X, verbose=0)).max())

try:
    original.save_weights(os.path.join(folder, "mlp.h5"))
except ValueError as error:
    print("ValueError:", str(error).split(" Received")[0])

# %%
workdir.cleanup()

# %% [markdown]
# ### Summary
#
# * Arrays and tensors: `np.save`/`np.savez`, `torch.save`/`torch.load`.
# * `model.save("m.keras")` + `keras.saving.load_model` restore the
#   architecture and weights; custom layers need `get_config` and
#   registration; `Lambda` layers save but do not load by default.
# * `save_weights("m.weights.h5")` + `load_weights` restore weights into a
#   model your code builds again.
# * Always check a round trip by comparing predictions.
#
# ### Try it
#
# 1. **File size from the parameter count.** The cell builds D2L's MLP with
#    `try_hidden` hidden units and saves its weights. Every float32
#    parameter takes 4 bytes: predict the size of the `.weights.h5` file in
#    bytes (`my_weights_bytes`). The cell prints how much more the file
#    holds than the numbers themselves; does that extra grow with the
#    model? (Try `try_hidden = 64` and `4096`.)
# 2. **Half precision.** Set `try_dtype = "float16"` and predict the size
#    again. Which part of the file halves and which does not?
# 3. **The optimizer's share.** After one training step with Adam, the
#    `.keras` file holds the optimizer's state too. Adam keeps two running
#    averages per parameter: predict how many times larger the file gets
#    (`my_adam_ratio`). What would plain SGD without momentum add?
# 4. Save the same weights with `np.savez(path, *model.get_weights())`:
#    bigger or smaller than the `.weights.h5` file? What does HDF5 store
#    that the `.npz` file does not?

# %% tags=["heavy"]
my_weights_bytes = None  # question 1
my_adam_ratio = None     # question 3
try_hidden, try_dtype = 1024, "float32"

try_inputs = keras.Input(shape=(20,))
h = keras.layers.Dense(try_hidden, activation="relu", dtype=try_dtype)(try_inputs)
sized = keras.Model(try_inputs, keras.layers.Dense(10, dtype=try_dtype)(h))
with tempfile.TemporaryDirectory() as try_folder:
    weights_file = os.path.join(try_folder, "sized.weights.h5")
    sized.save_weights(weights_file)
    weights_bytes = os.path.getsize(weights_file)
    raw_bytes = sum(w.numpy().nbytes for w in sized.weights)
    print(f"{sized.count_params()} parameters of {try_dtype}: {raw_bytes} bytes of numbers,"
          f" {weights_bytes - raw_bytes} bytes more in the file")
    compare_prediction(my_weights_bytes, weights_bytes, rel_tol=0.1,
                       what="size of the .weights.h5 file in bytes")

    model_file = os.path.join(try_folder, "sized.keras")
    sized.save(model_file)
    before_training = os.path.getsize(model_file)
    sized.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse")
    sized.fit(np.ones((8, 20)), np.ones((8, 10)), epochs=1, verbose=0)
    sized.save(model_file)
    after_training = os.path.getsize(model_file)
    print(f".keras file: {before_training} bytes before training, {after_training} after one Adam step")
    compare_prediction(my_adam_ratio, after_training / before_training, rel_tol=0.1,
                       what="ratio of the .keras sizes after and before")

# %% [markdown]
# ### Exercise 6.10: a save and load round trip
#
# Write a registered layer `Rescale(factor=1.0)` that multiplies its input by
# the number `factor` and has a `get_config`; `rescale_config(factor)` that
# returns the pair `(config, rebuilt_config)`, the config of
# `Rescale(factor)` and the config of the layer made from it with
# `Rescale.from_config`; `build_rescaled_model(width, hidden, factor)`, a
# functional model `Input(width) -> Dense(hidden, relu) -> Dense(1) ->
# Rescale(factor)`; and `save_and_reload(weights, x, factor)`. The last
# one builds that model (`width` and `hidden` follow from the shape of
# `weights[0]`), loads `weights` into it, saves it as a `.keras` file and
# its weights as a `.weights.h5` file in a new temporary folder, loads the
# `.keras` file with `keras.saving.load_model` (without `custom_objects`)
# and the weights into a freshly built model, and returns a dict with the
# predictions on `x` of the original (`"before"`), of the loaded model
# (`"keras_file"`) and of the fresh model (`"weights_file"`).

# %% tags=["exercise"] exercise="ch06.save_load"
# exercise: ch06.save_load
import os
import tempfile


class Rescale(keras.layers.Layer):
    """Multiplies its input by a fixed number, factor."""

    def __init__(self, factor=1.0, **kwargs):
        super().__init__(**kwargs)
        raise NotImplementedError("ch06.save_load: write your answer here")


def rescale_config(factor):
    """(config of Rescale(factor), config of the layer rebuilt from that config)."""
    raise NotImplementedError("ch06.save_load: write your answer here")


def build_rescaled_model(width, hidden, factor):
    """Input(width) -> Dense(hidden, relu) -> Dense(1) -> Rescale(factor)."""
    raise NotImplementedError("ch06.save_load: write your answer here")


def save_and_reload(weights, x, factor):
    """Predictions of the model before saving, after load_model, and of a
    fresh model after load_weights."""
    raise NotImplementedError("ch06.save_load: write your answer here")


# %% tags=["check"]
check("ch06.save_load")

# %% [markdown]
# ## 6.7 GPUs and Devices
#
# Deep learning became practical because GPUs multiply large matrices much
# faster than CPUs. On the torch backend Keras leaves devices to torch:
# whatever torch can see, Keras uses. This section asks the machine what it
# has and prints it; it runs the same way with or without a GPU, and none of
# the workbook assumes one.
#
# ### 6.7.1 What is there?

# %%
print("Keras backend:", keras.config.backend())
print("CUDA available:", torch.cuda.is_available(), "| GPUs:", torch.cuda.device_count())
for i in range(torch.cuda.device_count()):
    print(f"  cuda:{i}", torch.cuda.get_device_name(i))


def try_gpu(i=0):
    """'cuda:i' if that GPU exists, else 'cpu' (D2L's try_gpu)."""
    return f"cuda:{i}" if i < torch.cuda.device_count() else "cpu"


def try_all_gpus():
    """All GPUs, or ['cpu'] when there is none."""
    return [f"cuda:{i}" for i in range(torch.cuda.device_count())] or ["cpu"]


print("try_gpu():", try_gpu(), "| try_gpu(10):", try_gpu(10), "| try_all_gpus():", try_all_gpus())

# %% [markdown]
# ### 6.7.2 Where Keras puts tensors
#
# On the torch backend, Keras creates new tensors and variables on the GPU
# when torch sees one and on the CPU otherwise; model weights follow the
# same rule. The context manager `keras.device(...)` overrides the choice
# for everything created inside it. `ops.convert_to_numpy` (and `predict`)
# always hand back NumPy arrays on the CPU.

# %%
x = ops.ones((2, 3))
print("default placement:", x.device)
print("model weights on:", mlp.weights[0].value.device)
with keras.device("cpu"):
    y = ops.ones((2, 3))
print("inside keras.device('cpu'):", y.device)
if torch.cuda.is_available():
    with keras.device("cuda:0"):
        z = ops.ones((2, 3))
    print("inside keras.device('cuda:0'):", z.device)

# %% [markdown]
# ### 6.7.3 Moving data
#
# Two operands must live on the same device; torch does not copy silently
# between CPU and GPU. A torch tensor moves with `.to(device)` (or
# `.cpu()`), a model's inputs given as NumPy arrays are moved by Keras
# itself, and `predict`, `fit` and `evaluate` handle the transfer per batch.
# Only tensors that you create by hand with torch need care.

# %%
device = try_gpu()
a = torch.ones(2, 3)
b = a.to(device)
print("a on", a.device, "| b on", b.device)
if device != "cpu":
    try:
        a + b
    except RuntimeError as error:
        print("RuntimeError:", str(error).splitlines()[0][:100])
else:
    print("only a CPU here, so nothing can be on the wrong device")

# %% [markdown]
# ### 6.7.4 How much faster?
#
# Below we time an $n \times n$ matrix product on each device that exists
# and keep the fastest of five runs.
# GPU work is asynchronous, so the timing waits with
# `torch.cuda.synchronize()` before reading the clock; the first call on a
# GPU also pays start-up costs, so we warm up once. The figures are whatever
# this machine measured when the cell ran, and they vary from run to run.
# The same asynchrony explains D2L's advice not to call `.item()` or convert
# to NumPy after every batch: each such call waits for the GPU to finish.

# %%
import time

n = PROFILE.pick(tiny=256, default=1024, full=4096)


def time_matmul(device, repeats=5):
    """The fastest of a few timed products, in seconds."""
    a = torch.randn(n, n, device=device)
    b = torch.randn(n, n, device=device)
    a @ b  # warm-up
    best = float("inf")
    for _ in range(repeats):
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        start = time.perf_counter()
        a @ b
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        best = min(best, time.perf_counter() - start)
    return best


for device in ["cpu"] + ([try_gpu()] if torch.cuda.is_available() else []):
    seconds = time_matmul(device)
    print(f"{device}: {n}x{n} matmul took {1000 * seconds:.2f} ms (fastest of 5, measured here)")

# %% [markdown]
# ### Summary
#
# * `keras.config.backend()` names the backend; `torch.cuda.is_available()`
#   and `torch.cuda.device_count()` say which GPUs exist.
# * Keras on torch creates tensors and weights on the GPU when there is
#   one, else on the CPU; `keras.device(...)` overrides that.
# * Operands must share a device; move torch tensors with `.to(device)`.
#   Keras moves NumPy inputs of `fit`/`predict` for you.
# * Synchronizing calls (`.item()`, conversion to NumPy) make the CPU wait
#   for the GPU; avoid them inside tight loops.

# %% [markdown]
# ### Try it
#
# 1. A product of two $n \times n$ matrices costs about $2n^3$ operations.
#    Predict how much longer $2n$ takes than $n$, then measure it with the
#    cell below. Below which size does the ratio fall short of 8, and why
#    (think of fixed costs per call)?
# 2. The cell prints the operations per second this machine reached. Look
#    up the peak of your processor (or GPU): what fraction did you get?
# 3. With a GPU: time many small products (`n = 16`) with and without a
#    `torch.cuda.synchronize()` after each. What does the difference say
#    about launching work on a GPU?

# %%
small = PROFILE.pick(tiny=64, default=128, full=256)
for size in (small, 2 * small):
    n = size
    seconds = time_matmul("cpu")
    print(f"{size}x{size}: {1000 * seconds:.3f} ms, {2 * size**3 / seconds / 1e9:.1f} GFLOP/s (measured here)")
