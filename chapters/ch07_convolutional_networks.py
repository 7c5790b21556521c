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
# # 7. Convolutional Neural Networks
#
# Until now an image was a vector: chapter 5's MLP flattened each 28×28
# Fashion-MNIST picture into 784 numbers and forgot where each number came
# from. Shuffle the pixels of every image the same way and that MLP trains
# exactly as well, which says how little of the picture's structure it uses.
# Convolutional neural networks (CNNs) build the structure in: nearby pixels
# are processed together, and the same small detector is applied at every
# position. This chapter follows chapter 7 of the D2L book (Zhang, Lipton,
# Li and Smola, *Dive into Deep Learning*, Cambridge University Press 2023,
# the PyTorch edition; "section 7.n" below means the book's section too):
#
# * why invariance and locality turn a dense layer into a convolution, and
#   what that does to the parameter count (7.1);
# * the cross-correlation written by hand, a convolutional layer of our own,
#   edge detection, and learning a kernel from data with a hand-written loop
#   (7.2);
# * padding and stride, the output-size formula, and how Keras' `"valid"` and
#   `"same"` relate to torch's explicit padding (7.3);
# * several input and output channels, and the 1×1 convolution as a matrix
#   product (7.4);
# * max and average pooling, and where Keras' `"same"` pooling differs from
#   torch's padded pooling (7.5);
# * LeNet, the first CNN trained with backpropagation, built with the
#   functional API and trained with live learning curves (7.6).
#
# **Layout.** Keras stores images *channels-last*, `(batch, height, width,
# channels)`, and Conv2D kernels as `(kernel_h, kernel_w, c_in, c_out)`;
# torch and the D2L book use `(batch, channels, height, width)` and
# `(c_out, c_in, kernel_h, kernel_w)`. Every tensor in this chapter is
# channels-last, and every comparison with torch transposes explicitly.
#
# **About the numbers.** Every value in sections 7.1–7.5 (except the kernel
# learned in 7.2.4) and LeNet's shapes and parameter count are computed by
# the cells and do not depend on training. Fashion-MNIST is downloaded on first use; with
# `WORKBOOK_MOCK_DATA=1` the loader substitutes generated images and prints a
# `MOCK DATA` banner, after which accuracies mean nothing. The accuracies this
# chapter states were measured on scikit-learn's handwritten digits (real
# images that ship with the package), upsampled to 28×28. No Fashion-MNIST
# accuracy is quoted: the machine this chapter was written on had no copy.

# %% tags=["setup"]
import workbook  # selects the torch backend before Keras is imported
from workbook import PROFILE, check, set_seed
import keras
import numpy as np
import torch
from keras import ops

print(workbook.profiles.describe(), "| keras", keras.__version__, "| torch", torch.__version__)
set_seed(42)

# %% [markdown]
# The chapter also uses the workbook's convolution helpers (grown in this
# chapter and reused by chapter 8), its data loaders and its plots.

# %%
from workbook.classification import evaluate_accuracy, show_images
from workbook.convolution import (
    PaddedMaxPooling2D, conv_output_size, corr2d, load_digit_images,
    load_fashion_mnist_resized, print_shape_table,
)
from workbook.plotting import LivePlot, pyplot, show_or_save

# %% [markdown]
# ## 7.1 From Fully Connected Layers to Convolutions
#
# ### 7.1.1 Invariance and locality
#
# Suppose we want to find a cat in a photograph. Two common-sense principles
# should hold for whatever detector we build:
#
# 1. **Translation invariance.** Early layers should respond to a patch the
#    same way wherever in the image the patch appears: a cat's ear is an
#    ear in the top-left corner and in the middle.
# 2. **Locality.** Early layers should look at small neighbourhoods and not
#    care about pixels far away; aggregating the local evidence into a
#    verdict for the whole image is a job for later layers.
#
# ### 7.1.2 Constraining the MLP
#
# Keep the image $\mathbf{X}$ and a hidden representation $\mathbf{H}$ as
# two-dimensional arrays of the same size. The most general dense layer
# between them gives each hidden unit $(i, j)$ its own weight for each pixel
# $(k, l)$, a fourth-order tensor: writing $k = i + a$, $l = j + b$,
#
# $$[\mathbf{H}]_{i,j} = [\mathbf{U}]_{i,j} + \sum_a \sum_b
# [\mathsf{V}]_{i,j,a,b} [\mathbf{X}]_{i+a,j+b}.$$
#
# For a 1000×1000 image and a 1000×1000 hidden representation that is
# $10^{12}$ weights. **Translation invariance** says that shifting the input
# should shift the hidden representation, so $\mathsf{V}$ and $\mathbf{U}$
# must not depend on $(i, j)$: $[\mathsf{V}]_{i,j,a,b} = [\mathbf{V}]_{a,b}$
# and $\mathbf{U} = u$. **Locality** says that offsets beyond some $\Delta$
# should not matter, so $[\mathbf{V}]_{a,b} = 0$ for $|a| > \Delta$ or
# $|b| > \Delta$:
#
# $$[\mathbf{H}]_{i,j} = u + \sum_{a=-\Delta}^{\Delta} \sum_{b=-\Delta}^{\Delta}
# [\mathbf{V}]_{a,b} [\mathbf{X}]_{i+a,j+b}.$$
#
# That is a **convolutional layer**: $(2\Delta + 1)^2$ weights (a few, where
# we had $10^{12}$), the same at every position. $\mathbf{V}$ is the
# *kernel* or *filter*. The price is a strong assumption: if the truth is not
# translation invariant and local, the layer cannot fit it.
#
# ### 7.1.3 Channels
#
# Images have channels (red, green, blue), and hidden representations
# should have many: one per kind of feature detected. With input channels
# $c$ and output channels $d$ the kernel becomes a fourth-order tensor again,
# but a small one:
# $[\mathsf{H}]_{i,j,d} = \sum_{a,b,c} [\mathsf{V}]_{a,b,c,d} [\mathsf{X}]_{i+a,j+b,c}$.
# In Keras' layout $\mathsf{V}$ is exactly the `(kh, kw, c_in, c_out)` kernel
# of a `Conv2D`.
#
# Keras counts the parameters for us. Mapping a 32×32 image with 3
# channels to a hidden representation of the same shape:

# %%
image_shape = (32, 32, 3)
inputs = keras.Input(image_shape)
dense_version = keras.Model(inputs, keras.layers.Dense(32 * 32 * 3)(keras.layers.Flatten()(inputs)))
conv_version = keras.Model(inputs, keras.layers.Conv2D(3, 3, padding="same")(inputs))
print(f"dense layer: {dense_version.count_params():,} parameters")
print(f"3x3 convolution: {conv_version.count_params():,} parameters")

# %% [markdown]
# And translation invariance, which the derivation promised, is easy to
# see: shifting the input shifts a convolution's output by the same amount
# (away from the borders, where the zero padding of `"same"` sees
# different pixels).

# %%
shift_rng = np.random.default_rng(0)
picture = shift_rng.normal(size=(1, 32, 32, 3)).astype("float32")
shifted = np.roll(picture, shift=(3, 5), axis=(1, 2))
out, out_shifted = (ops.convert_to_numpy(conv_version(p)) for p in (picture, shifted))
inner = (slice(None), slice(4, -1), slice(6, -1))  # away from the borders and the wrap-around
print("largest difference, shifted output vs output of the shifted input:",
      np.abs(np.roll(out, (3, 5), axis=(1, 2))[inner] - out_shifted[inner]).max())

# %% [markdown]
# ### Summary
#
# * Translation invariance ties the weights together across positions;
#   locality makes the kernel small. Together they turn a dense layer into a
#   convolution with a few parameters instead of billions.
# * Channels add a third and fourth axis to the kernel: `(kh, kw, c_in,
#   c_out)` in Keras.

# %% [markdown]
# ### Exercise 7.1: counting parameters
#
# Write `layer_param_counts(height, width, channels, kernel_size)`. It
# returns a pair of Python ints `(dense, conv)`:
#
# * `dense`: the parameters (weights and biases) of a `Dense` layer that maps
#   a flattened `(height, width, channels)` image to a hidden representation
#   with `height * width * channels` units;
# * `conv`: the parameters of a `Conv2D(channels, kernel_size,
#   padding="same")` layer (with bias) on the same image.
#
# `kernel_size` is an int or a pair `(kh, kw)`. Use arithmetic, not Keras
# (the numbers get too big to build: try `(1000, 1000, 1, 3)`).

# %% tags=["exercise"] exercise="ch07.param_counts"
# exercise: ch07.param_counts
def layer_param_counts(height, width, channels, kernel_size):
    """(dense, conv): parameter counts of the two layers described above."""
    raise NotImplementedError("ch07.param_counts: write your answer here")


# %% tags=["check"]
check("ch07.param_counts")

# %% [markdown]
# ## 7.2 Convolutions for Images
#
# ### 7.2.1 The cross-correlation operation
#
# What deep learning calls a convolution is, strictly, a
# **cross-correlation**: slide the kernel over the input and, at each
# position, sum the elementwise products of the kernel and the patch under
# it. An $n_h \times n_w$ input and a $k_h \times k_w$ kernel give an
# $(n_h - k_h + 1) \times (n_w - k_w + 1)$ output, because the kernel must
# fit entirely inside the image.
#
# `workbook.convolution.corr2d` writes this with `keras.ops`. Instead of a
# double loop over output positions it loops over the $k_h k_w$ kernel
# entries and adds up shifted slices of the input, each scaled by one kernel
# weight: the same sum, computed a whole output map at a time, and a function
# of $\mathbf{X}$ and $\mathbf{K}$ that torch's autograd can differentiate.
# Here is its body:
#
# ```python
# total = 0.0
# for a in range(kh):
#     for b in range(kw):
#         total = total + K[a, b] * X[a : a + out_h, b : b + out_w]
# ```
#
# The D2L book's example: a 3×3 input and a 2×2 kernel.

# %%
X = np.arange(9.0).reshape(3, 3)
K = np.array([[0.0, 1.0], [2.0, 3.0]])
print(ops.convert_to_numpy(corr2d(X, K)))

# %% [markdown]
# The top-left entry is $0 \cdot 0 + 1 \cdot 1 + 3 \cdot 2 + 4 \cdot 3 = 19$.
# Keras' `Conv2D` computes the same thing once we copy the kernel into its
# `(kh, kw, c_in, c_out)` layout (here `(2, 2, 1, 1)`):

# %%
conv = keras.layers.Conv2D(1, (2, 2), use_bias=False)
conv.build((None, 3, 3, 1))
conv.set_weights([K.reshape(2, 2, 1, 1)])
print(ops.convert_to_numpy(conv(X.reshape(1, 3, 3, 1).astype("float32")))[0, :, :, 0])

# %% [markdown]
# ### 7.2.2 Convolutional layers
#
# A convolutional layer cross-correlates its input with a kernel and adds a
# scalar bias; both are learned. A from-scratch version is a Keras `Layer`
# that creates the two weights in `build` and calls `corr2d` in `call`,
# here for one single-channel image at a time (Exercise 7.2 handles
# batches):

# %%
class SingleImageConv2D(keras.layers.Layer):
    """corr2d(x, kernel) + bias for one (height, width) image."""

    def __init__(self, kernel_size, **kwargs):
        super().__init__(**kwargs)
        self.kernel_size = tuple(kernel_size)

    def build(self, input_shape):
        self.kernel = self.add_weight(self.kernel_size, initializer="random_uniform", name="kernel")
        self.bias = self.add_weight((1,), initializer="zeros", name="bias")

    def call(self, x):
        return corr2d(x, self.kernel) + self.bias


layer = SingleImageConv2D((2, 2))
print("output shape:", tuple(layer(np.zeros((3, 3), "float32")).shape),
      "| weights:", [tuple(w.shape) for w in layer.weights])

# %% [markdown]
# ### 7.2.3 Object edge detection
#
# A simple use: find where the colour changes. The image below is 6×8,
# white (1) with a black (0) vertical bar in columns 2–5. The kernel
# $[1, -1]$ computes the difference of horizontally adjacent pixels, which is
# zero wherever the image is flat.

# %%
bars = np.ones((6, 8))
bars[:, 2:6] = 0.0
edge_kernel = np.array([[1.0, -1.0]])
edges = ops.convert_to_numpy(corr2d(bars, edge_kernel))
print(bars, "\n", edges)

# %% [markdown]
# Column 1 of the output holds 1 (white to black) and column 5 holds -1
# (black to white); everything else is 0. Transpose the image, so that the
# bar lies horizontally, and the same kernel sees nothing: it only detects
# vertical edges.

# %%
print(ops.convert_to_numpy(corr2d(bars.T, edge_kernel)))

# %% [markdown]
# On a real photograph (one of the two that ship with scikit-learn),
# horizontal differences light up vertical edges and vertical differences
# horizontal ones:

# %% tags=["heavy"]
from sklearn.datasets import load_sample_image

photo = load_sample_image("china.jpg").mean(axis=-1) / 255.0  # (427, 640) grayscale
photo = photo[::2, ::2]  # half resolution is plenty for a figure
vertical_edges = ops.convert_to_numpy(corr2d(photo, edge_kernel))
horizontal_edges = ops.convert_to_numpy(corr2d(photo, edge_kernel.T))
plt = pyplot()
fig, axes = plt.subplots(1, 3, figsize=(12, 3))
for ax, image, title in zip(axes, [photo, np.abs(vertical_edges), np.abs(horizontal_edges)],
                            ["photo", "|kernel [1, -1]|", "|kernel [1, -1] transposed|"]):
    ax.imshow(image, cmap="gray_r" if title != "photo" else "gray")
    ax.set_title(title)
    ax.axis("off")
show_or_save(fig, "ch07_edges", mock=False)  # a generated image

# %% [markdown]
# ### 7.2.4 Learning a kernel
#
# Designing detectors by hand does not scale past the simplest ones. Can we
# *learn* the kernel from input–output pairs instead? We keep the bar image
# as input and its edge map as the target, start a `Conv2D(1, (1, 2),
# use_bias=False)` from a random kernel, and run plain gradient descent on
# the summed squared error, the update written out by hand as in the D2L
# book: torch's autograd computes the gradient, and we assign
# $\mathbf{K} \leftarrow \mathbf{K} - \eta \nabla_{\mathbf{K}} L$ with
# $\eta = 0.03$.

# %%
inputs = keras.Input((6, 8, 1))
kernel_model = keras.Model(inputs, keras.layers.Conv2D(1, (1, 2), use_bias=False)(inputs))
X_batch = bars.reshape(1, 6, 8, 1).astype("float32")
Y_batch = ops.convert_to_tensor(edges.reshape(1, 6, 7, 1).astype("float32"))
kernel_var = kernel_model.trainable_weights[0]
lr = 3e-2
for step in range(10):
    kernel_var.value.grad = None  # torch accumulates gradients otherwise
    loss = ops.sum((kernel_model(X_batch) - Y_batch) ** 2)
    loss.backward()
    with torch.no_grad():
        kernel_var.assign(kernel_var - lr * kernel_var.value.grad)
    if (step + 1) % 2 == 0:
        print(f"step {step + 1}, loss {loss.item():.3f}")
print("learned kernel:", ops.convert_to_numpy(kernel_var).reshape(1, 2))

# %% [markdown]
# The loss falls quickly and the kernel approaches $[1, -1]$. (A run of the
# D2L book's PyTorch code from another random start printed a loss of 0.274
# after 10 steps and the kernel $[1.0398, -0.9328]$; the exact numbers
# depend on the starting kernel.)
#
# ### 7.2.5 Cross-correlation and convolution
#
# A convolution in the mathematical sense flips the kernel both ways before
# sliding it. Since the kernel is learned, this makes no difference: a layer
# trained as a convolution learns the flipped kernel of a layer trained as a
# cross-correlation, and both compute the same outputs.

# %%
flipped = K[::-1, ::-1]
# Convolving with K is cross-correlating with the flipped kernel.
true_convolution = ops.convert_to_numpy(corr2d(X, flipped))
print(true_convolution)

# %% [markdown]
# ### 7.2.6 Feature maps and receptive fields
#
# The output of a convolutional layer is a **feature map**: a spatial map of
# how strongly each position matches the kernel. The **receptive field** of
# an element is every input element that can affect it. With a 2×2 kernel an
# output element sees 2×2 inputs; stack a second 2×2 layer on top and its
# single output sees all 3×3 inputs. Deeper layers see larger regions, which
# is how a CNN goes from edges to parts to objects. Exercise 7.11 computes
# receptive fields of whole networks.
#
# ### Summary
#
# * A convolutional layer cross-correlates its input with a learned kernel
#   and adds a bias; `Conv2D` with a copied `(kh, kw, 1, 1)` kernel
#   reproduces a hand-written `corr2d` exactly.
# * Simple kernels detect simple features, such as edges; gradient descent
#   can learn a kernel from examples.
# * Convolution and cross-correlation differ by a flip, which learning
#   absorbs.

# %% [markdown]
# ### Exercise 7.2: a convolutional layer for batches
#
# Write a `keras.layers.Layer` subclass that cross-correlates a batch of
# single-channel images `(batch, height, width)` with one kernel and adds a
# bias, and `build_conv2d_scratch(input_shape, kernel_size)` that returns a
# **functional** model `keras.Input(input_shape)` → your layer, with
# `input_shape = (height, width)` and `kernel_size = (kh, kw)`. The output is
# `(batch, height - kh + 1, width - kw + 1)`.
#
# Create the weights in `build` with `add_weight`, in this order: the kernel,
# shaped `(kh, kw)`, drawn uniformly from $[0, 1)$ (`"random_uniform"` is not
# that: look at `keras.initializers.RandomUniform`), and the bias, shaped
# `(1,)`, zero. Use `keras.ops`, not `Conv2D` or `ops.conv`.

# %% tags=["exercise"] exercise="ch07.conv2d_scratch"
# exercise: ch07.conv2d_scratch
def build_conv2d_scratch(input_shape, kernel_size):
    """Functional model: (batch, h, w) -> cross-correlation with one kernel, plus bias."""
    raise NotImplementedError("ch07.conv2d_scratch: write your answer here")


# %% tags=["check"]
check("ch07.conv2d_scratch")

# %% [markdown]
# ### Exercise 7.3: learning a kernel
#
# Write `learn_kernel(X, Y, initial_kernel, lr, num_steps)`. `X` holds
# single-channel images `(batch, h, w, 1)`, `Y` the targets
# `(batch, h - kh + 1, w - kw + 1, 1)`, `initial_kernel` a `(kh, kw)` array.
# Build a functional model with one `Conv2D(1, (kh, kw), use_bias=False)`,
# set its kernel to `initial_kernel`, and run `num_steps` steps of gradient
# descent as in section 7.2.4: the loss is the **sum** of squared errors over
# the whole batch, the gradient comes from torch autograd, and the update is
# `kernel - lr * gradient`, written by hand (no Keras optimizer, no `fit`).
#
# Return `(kernel, losses)`: the learned kernel as a `(kh, kw)` array, and
# the list of the `num_steps` losses, each computed *before* that step's
# update.

# %% tags=["exercise"] exercise="ch07.learn_kernel"
# exercise: ch07.learn_kernel
def learn_kernel(X, Y, initial_kernel, lr, num_steps):
    """(learned kernel (kh, kw), [loss before each step]) for a bias-free Conv2D."""
    raise NotImplementedError("ch07.learn_kernel: write your answer here")


# %% tags=["check"]
check("ch07.learn_kernel")

# %% [markdown]
# ## 7.3 Padding and Stride
#
# ### 7.3.1 Padding
#
# Every convolution without padding shrinks its input by $k - 1$ along each
# axis; after a few layers a 32×32 image is small and its border pixels have
# been used far less than the centre ones. **Padding** adds rows and columns
# of zeros around the input. With $p$ rows added on *each* side (torch's
# `padding=p`), the output has
#
# $$\left\lfloor \frac{n + 2p - k}{s} \right\rfloor + 1$$
#
# rows, where $s$ is the stride discussed below. (The D2L book writes
# $p_h$ for the *total* number of padded rows, so its formula reads
# $\lfloor (n_h - k_h + p_h + s_h)/s_h \rfloor$; the two agree with
# $p_h = 2p$.) With stride 1 and $p = (k - 1)/2$ for an odd kernel the
# output keeps the input's size, which is why kernels are usually odd.
# `workbook.convolution.conv_output_size` implements the formula.
#
# Keras offers two paddings by name: `"valid"` (none) and `"same"` (enough to
# keep $\lceil n/s \rceil$ outputs). For an odd kernel and stride 1, `"same"`
# is torch's $p = (k - 1)/2$. Anything else, such as torch's `padding=(2, 1)`
# with a 5×3 kernel, is an explicit `ZeroPadding2D` before a `"valid"`
# convolution. The D2L book's examples, on an 8×8 input:

# %%
def output_hw(layers, input_hw=(8, 8)):
    """Spatial output shape of a small functional model made of ``layers``."""
    inputs = keras.Input((*input_hw, 1))
    outputs = inputs
    for layer in layers:
        outputs = layer(outputs)
    return tuple(keras.Model(inputs, outputs).output_shape[1:3])


print("k=3, 'same':", output_hw([keras.layers.Conv2D(1, 3, padding="same")]),
      "| formula:", conv_output_size(8, 3, padding=1))
print("k=(5,3), ZeroPadding2D((2,1)) + 'valid':",
      output_hw([keras.layers.ZeroPadding2D((2, 1)), keras.layers.Conv2D(1, (5, 3))]),
      "| formula:", (conv_output_size(8, 5, 2), conv_output_size(8, 3, 1)))

# %% [markdown]
# ### 7.3.2 Stride
#
# The **stride** $s$ is how far the window moves between outputs. Stride 2
# halves each axis (roughly), a cheap way to reduce resolution.

# %%
print("k=3, p=1, s=2:",
      output_hw([keras.layers.ZeroPadding2D(1), keras.layers.Conv2D(1, 3, strides=2)]),
      "| formula:", conv_output_size(8, 3, 1, 2))
print("k=(3,5), p=(0,1), s=(3,4):",
      output_hw([keras.layers.ZeroPadding2D((0, 1)),
                 keras.layers.Conv2D(1, (3, 5), strides=(3, 4))]),
      "| formula:", (conv_output_size(8, 3, 0, 3), conv_output_size(8, 5, 1, 4)))

# %% [markdown]
# Where `"same"` and torch part ways is a stride above 1 or an even kernel.
# `"same"` always produces $\lceil n/s \rceil$ outputs and adds the zeros it
# needs for that, $\max((\lceil n/s \rceil - 1)s + k - n, 0)$ in total, with
# the odd one at the **end** (bottom, right). torch pads both sides equally.
# On an 8×8 input with a 3×3 kernel and stride 2, `"same"` needs one row of
# zeros and puts it at the bottom, while torch's `padding=1` puts one on top
# *and* one at the bottom: the output shapes agree, the values do not.

# %%
probe = np.arange(64, dtype="float32").reshape(1, 8, 8, 1)
ones_kernel = [np.ones((3, 3, 1, 1), "float32")]
same_conv = keras.layers.Conv2D(1, 3, strides=2, padding="same", use_bias=False)
torch_like = keras.layers.Conv2D(1, 3, strides=2, use_bias=False)
same_conv.build((None, 8, 8, 1))
same_conv.set_weights(ones_kernel)
torch_like.build((None, 10, 10, 1))
torch_like.set_weights(ones_kernel)
print("Keras 'same':\n", ops.convert_to_numpy(same_conv(probe))[0, ..., 0])
print("ZeroPadding2D(1) + 'valid' (= torch padding=1):\n",
      ops.convert_to_numpy(torch_like(keras.layers.ZeroPadding2D(1)(probe)))[0, ..., 0])
print("torch itself:\n", torch.nn.functional.conv2d(
    torch.tensor(probe).permute(0, 3, 1, 2), torch.ones(1, 1, 3, 3), stride=2, padding=1)[0, 0])

# %% [markdown]
# ### Summary
#
# * Padding $p$ per side and stride $s$ give
#   $\lfloor (n + 2p - k)/s \rfloor + 1$ outputs along an axis.
# * Keras names two paddings, `"valid"` and `"same"`; torch's explicit
#   padding is `ZeroPadding2D` + `"valid"`. They coincide with `"same"` only
#   for odd kernels at stride 1.

# %% [markdown]
# ### Exercise 7.4: what `"same"` does
#
# Write `keras_same_padding(n, kernel, stride)` for one axis of length `n`:
# return the tuple of ints `(out, before, after)` where `out` is the number
# of outputs of a Keras `padding="same"` convolution or pooling and `before`
# and `after` are the zeros it adds before and after the input along that
# axis.

# %% tags=["exercise"] exercise="ch07.same_padding"
# exercise: ch07.same_padding
def keras_same_padding(n, kernel, stride):
    """(out, before, after) of Keras' padding="same" along one axis."""
    raise NotImplementedError("ch07.same_padding: write your answer here")


# %% tags=["check"]
check("ch07.same_padding")

# %% [markdown]
# ### Exercise 7.5: torch-style padding in Keras
#
# Write `torch_style_conv2d(input_shape, filters, kernel_size, padding,
# strides)` that returns a **functional** model equal to torch's
# `Conv2d(c_in, filters, kernel_size, stride=strides, padding=padding)` on
# channels-last input: `keras.Input(input_shape)` with
# `input_shape = (height, width, c_in)`, then a `ZeroPadding2D` that adds
# `padding = (ph, pw)` rows and columns on each side, then a `Conv2D(filters,
# kernel_size, strides=strides, padding="valid")` with a bias.
# `kernel_size` and `strides` are pairs.

# %% tags=["exercise"] exercise="ch07.torch_style_conv"
# exercise: ch07.torch_style_conv
def torch_style_conv2d(input_shape, filters, kernel_size, padding, strides):
    """Functional model: ZeroPadding2D(padding) -> Conv2D(valid), like torch's Conv2d."""
    raise NotImplementedError("ch07.torch_style_conv: write your answer here")


# %% tags=["check"]
check("ch07.torch_style_conv")

# %% [markdown]
# ## 7.4 Multiple Input and Multiple Output Channels
#
# ### 7.4.1 Multiple input channels
#
# With $c_i$ input channels the kernel has one $k_h \times k_w$ slice per
# channel; each slice is cross-correlated with its channel and the results
# are **summed** into one output map. The D2L book's example has two input
# channels; in Keras' layout the channel is the *last* axis, so we stack the
# book's channel matrices along axis -1.

# %%
X2 = np.stack([np.arange(9.0).reshape(3, 3), np.arange(1.0, 10.0).reshape(3, 3)], axis=-1)
K2 = np.stack([np.array([[0.0, 1.0], [2.0, 3.0]]), np.array([[1.0, 2.0], [3.0, 4.0]])], axis=-1)
print("X:", X2.shape, "K:", K2.shape)


def corr2d_multi_in(X, K):
    """Sum over input channels of corr2d(X[..., c], K[..., c])."""
    return sum(corr2d(X[..., c], K[..., c]) for c in range(X.shape[-1]))


print(ops.convert_to_numpy(corr2d_multi_in(X2, K2)))

# %% [markdown]
# ### 7.4.2 Multiple output channels
#
# Each output channel has its own `(kh, kw, c_in)` kernel; stacking them
# gives the `(kh, kw, c_in, c_out)` tensor that Keras' `Conv2D` stores. The
# book stacks $\mathbf{K}$, $\mathbf{K} + 1$ and $\mathbf{K} + 2$ for three
# output channels:

# %%
K3 = np.stack([K2, K2 + 1, K2 + 2], axis=-1)  # (2, 2, 2, 3)
multi_out = np.stack([ops.convert_to_numpy(corr2d_multi_in(X2, K3[..., o])) for o in range(3)],
                     axis=-1)
print("K:", K3.shape, "output:", multi_out.shape)
for o in range(3):
    print(f"output channel {o}:", multi_out[..., o].tolist())

conv = keras.layers.Conv2D(3, 2, use_bias=False)
conv.build((None, 3, 3, 2))
conv.set_weights([K3])
conv_out = ops.convert_to_numpy(conv(X2[None].astype("float32")))[0]
print("Conv2D agrees:", np.allclose(conv_out, multi_out))

# %% [markdown]
# ### 7.4.3 The 1×1 convolutional layer
#
# A 1×1 kernel looks at no neighbourhood at all, yet it is one of the most
# used layers: it mixes channels at every pixel independently, which is a
# dense layer applied to each pixel's channel vector. Flatten the pixels into
# rows and it is literally one matrix product,
# `(h·w, c_in) @ (c_in, c_out)`:

# %%
rng = np.random.default_rng(0)
X_rgb = rng.normal(size=(3, 3, 3)).astype("float32")  # (h, w, c_in)
W_1x1 = rng.normal(size=(3, 2)).astype("float32")  # (c_in, c_out)
as_matmul = ops.reshape(ops.matmul(ops.reshape(X_rgb, (9, 3)), W_1x1), (3, 3, 2))
conv = keras.layers.Conv2D(2, 1, use_bias=False)
conv.build((None, 3, 3, 3))
conv.set_weights([W_1x1.reshape(1, 1, 3, 2)])
print("largest difference, matmul vs Conv2D(2, 1):",
      np.abs(ops.convert_to_numpy(as_matmul) - ops.convert_to_numpy(conv(X_rgb[None]))[0]).max())

# %% [markdown]
# **Cost.** A convolution does $k_h k_w c_i c_o$ multiply-adds per output
# pixel. For a 256×256 image, a 5×5 kernel and 128 input and output channels
# that is $256^2 \cdot 25 \cdot 128^2 \approx 2.7 \times 10^{10}$
# multiply-adds, more than 53 billion operations, for one layer and one
# image: channels are where the cost is.

# %%
print(f"{256 * 256 * 5 * 5 * 128 * 128:,} multiply-adds")

# %% [markdown]
# ### Summary
#
# * Several input channels: one kernel slice per channel, results summed.
#   Several output channels: one such kernel per output channel, giving the
#   `(kh, kw, c_in, c_out)` tensor.
# * A 1×1 convolution is a per-pixel dense layer over channels, a matrix
#   product after flattening the pixels.

# %% [markdown]
# ### Exercise 7.6: multi-channel cross-correlation
#
# Write `corr2d_multi_in_out(X, K)` with `keras.ops` (no `Conv2D`, no
# `ops.conv`): `X` is one channels-last image `(h, w, c_in)`, `K` a kernel
# `(kh, kw, c_in, c_out)` in Keras' layout; return the `(h - kh + 1,
# w - kw + 1, c_out)` output. Your code must keep torch's gradients flowing
# (the checks pass tensors that require gradients).

# %% tags=["exercise"] exercise="ch07.corr2d_multi_in_out"
# exercise: ch07.corr2d_multi_in_out
def corr2d_multi_in_out(X, K):
    """Cross-correlation of X (h, w, c_in) with K (kh, kw, c_in, c_out): (h', w', c_out)."""
    raise NotImplementedError("ch07.corr2d_multi_in_out: write your answer here")


# %% tags=["check"]
check("ch07.corr2d_multi_in_out")

# %% [markdown]
# ### Exercise 7.7: the 1×1 convolution for a batch
#
# Write `conv1x1(X, W)` as one matrix product: `X` is a batch of
# channels-last images `(batch, h, w, c_in)`, `W` a `(c_in, c_out)` matrix;
# return `(batch, h, w, c_out)`, equal to `Conv2D(c_out, 1, use_bias=False)`
# with kernel `W.reshape(1, 1, c_in, c_out)`.

# %% tags=["exercise"] exercise="ch07.conv1x1"
# exercise: ch07.conv1x1
def conv1x1(X, W):
    """1x1 convolution of X (batch, h, w, c_in) with W (c_in, c_out) as a matrix product."""
    raise NotImplementedError("ch07.conv1x1: write your answer here")


# %% tags=["check"]
check("ch07.conv1x1")

# %% [markdown]
# ## 7.5 Pooling
#
# Convolutions respond to *where* a feature is, which is useful early on and
# a nuisance later: whether an image shows a cat should not change if every
# pixel moves one to the right. **Pooling** layers summarize each window by
# its maximum or its average, which makes the representation less sensitive
# to small shifts and reduces its resolution. They have no parameters.
#
# ### 7.5.1 Maximum pooling and average pooling
#
# A hand-written 2-D pooling with stride 1, as in the D2L book (Exercise 7.8
# adds strides and channels):

# %%
def pool2d(X, pool_size, mode="max"):
    """Max or average over every pool_size window of a 2-D X, stride 1."""
    X = ops.convert_to_tensor(X)
    ph, pw = pool_size
    rows = [[X[i : i + ph, j : j + pw] for j in range(X.shape[1] - pw + 1)]
            for i in range(X.shape[0] - ph + 1)]
    reduce = ops.max if mode == "max" else ops.mean
    return ops.stack([ops.stack([reduce(window) for window in row]) for row in rows])


X = np.arange(9.0).reshape(3, 3)
print("max:", ops.convert_to_numpy(pool2d(X, (2, 2))).tolist())
print("avg:", ops.convert_to_numpy(pool2d(X, (2, 2), "avg")).tolist())

# %% [markdown]
# Pooling buys tolerance to small shifts. Move the bar of section 7.2.3 one
# pixel to the right: its left edge moves from column 1 to column 2 of the
# edge map, but after max pooling over pairs of neighbouring columns, column
# 1 reports the edge in both cases.

# %%
for name, image in [("bar", bars), ("bar moved right", np.roll(bars, 1, axis=1))]:
    edge_row = ops.convert_to_numpy(corr2d(image, edge_kernel))[:1]
    pooled_row = ops.convert_to_numpy(pool2d(edge_row, (1, 2)))
    print(f"{name:16s} edges {edge_row[0].tolist()}  pooled {pooled_row[0].tolist()}")

# %% [markdown]
#
# ### 7.5.2 Padding and stride
#
# Keras' pooling layers take a `pool_size`, `strides` (by default the pool
# size, as in torch) and `padding="valid"` or `"same"`. On the book's 4×4
# example, a 3×3 window with the default stride fits once:

# %%
X16 = np.arange(16, dtype="float32").reshape(1, 4, 4, 1)


def show(layer, x=X16):
    return ops.convert_to_numpy(layer(x))[0, ..., 0].tolist()


print("MaxPooling2D(3):", show(keras.layers.MaxPooling2D(3)))

# %% [markdown]
# The book then asks for torch's `MaxPool2d(3, padding=1, stride=2)`. Keras'
# `"same"` gives the same *shape* but different *values*, because it puts
# its single row and column of padding at the bottom and right only (section
# 7.3), while torch pads one on every side. torch's padded *max* pooling pads
# with $-\infty$, so a padded position never wins; `PaddedMaxPooling2D` from
# `workbook.convolution` does exactly that.

# %%
print("Keras MaxPooling2D(3, 2, 'same'):", show(keras.layers.MaxPooling2D(3, 2, padding="same")))
print("PaddedMaxPooling2D(3, 2, 1):     ", show(PaddedMaxPooling2D(3, 2, 1)))
print("torch MaxPool2d(3, 2, 1):        ",
      torch.nn.functional.max_pool2d(torch.tensor(X16).permute(0, 3, 1, 2), 3, 2, 1)[0, 0].tolist())
print("non-square, (2, 3) window, stride (2, 3), padding (0, 1):",
      show(PaddedMaxPooling2D((2, 3), (2, 3), (0, 1))))

# %% [markdown]
# Padding with zeros instead (`ZeroPadding2D(1)` then valid pooling) happens
# to give the same numbers here only because every input is at least 0:

# %%
zero_padded = keras.layers.MaxPooling2D(3, 2)(keras.layers.ZeroPadding2D(1)(-X16))
print("on -X, ZeroPadding2D + valid:", ops.convert_to_numpy(zero_padded)[0, ..., 0].tolist(),
      "| PaddedMaxPooling2D:", show(PaddedMaxPooling2D(3, 2, 1), -X16))

# %% [markdown]
# Average pooling disagrees in a third way. torch's `AvgPool2d(3, 2,
# padding=1)` pads with zeros and by default *counts* them
# (`count_include_pad=True`), dividing every window by 9; Keras' `"same"`
# average pooling divides by the number of real pixels in the window:

# %%
np.set_printoptions(precision=4)
print("Keras AveragePooling2D(3, 2, 'same'):\n",
      np.array(show(keras.layers.AveragePooling2D(3, 2, padding="same"))))
print("torch AvgPool2d(3, 2, 1):\n", torch.nn.functional.avg_pool2d(
    torch.tensor(X16).permute(0, 3, 1, 2), 3, 2, 1)[0, 0].numpy())

# %% [markdown]
# ### 7.5.3 Multiple channels
#
# Pooling works on each channel separately, so the number of channels is
# unchanged. With the book's two channels $\mathbf{X}$ and $\mathbf{X} + 1$:

# %%
X_two = np.concatenate([X16, X16 + 1], axis=-1)  # (1, 4, 4, 2)
pooled = ops.convert_to_numpy(PaddedMaxPooling2D(3, 2, 1)(X_two))
print("shape:", pooled.shape, "| channel 0:", pooled[0, ..., 0].tolist(),
      "| channel 1:", pooled[0, ..., 1].tolist())

# %% [markdown]
# ### Summary
#
# * Max and average pooling summarize windows, per channel, without
#   parameters; the stride defaults to the window size.
# * torch's padded pooling is not Keras' `"same"`: torch pads every side
#   (max pooling with $-\infty$, average pooling with counted zeros), Keras
#   pads the end only and averages over real pixels.

# %% [markdown]
# ### Exercise 7.8: pooling by hand
#
# Write `pool2d_strided(X, pool_size, strides, mode)` with `keras.ops` (no
# pooling layers or `ops.max_pool`): `X` is a channels-last image
# `(h, w, channels)`, `pool_size` and `strides` are pairs, `mode` is `"max"`
# or `"avg"`; no padding. Each channel is pooled separately, and the output is
# `(floor((h - ph) / sh) + 1, floor((w - pw) / sw) + 1, channels)`.

# %% tags=["exercise"] exercise="ch07.pool2d"
# exercise: ch07.pool2d
def pool2d_strided(X, pool_size, strides, mode):
    """Max or average pooling of X (h, w, channels), no padding."""
    raise NotImplementedError("ch07.pool2d: write your answer here")


# %% tags=["check"]
check("ch07.pool2d")

# %% [markdown]
# ### Exercise 7.9: torch's average pooling in Keras
#
# Write `torch_style_avg_pool(input_shape, pool_size, strides, padding)`:
# a **functional** model on channels-last input `(h, w, c)` that computes
# what torch's `AvgPool2d(pool_size, stride=strides, padding=padding)`
# computes with its default `count_include_pad=True`: zeros added on each
# side (`padding = (ph, pw)`) and counted in every average. `pool_size` and
# `strides` are pairs.

# %% tags=["exercise"] exercise="ch07.torch_avg_pool"
# exercise: ch07.torch_avg_pool
def torch_style_avg_pool(input_shape, pool_size, strides, padding):
    """Functional model equal to torch's AvgPool2d(pool_size, strides, padding)."""
    raise NotImplementedError("ch07.torch_avg_pool: write your answer here")


# %% tags=["check"]
check("ch07.torch_avg_pool")

# %% [markdown]
# ## 7.6 Convolutional Neural Networks (LeNet)
#
# LeNet, developed by Yann LeCun and colleagues at AT&T Bell Labs from 1989
# on, was one of the first convolutional networks trained by backpropagation
# to attract wide attention; in the 1990s it read handwritten digits on
# cheques and in ATM deposits.
#
# ### 7.6.1 LeNet
#
# The D2L book's version (with average pooling and sigmoid
# activations, close to the original) has two parts:
#
# * a **convolutional encoder**: two blocks of a 5×5 convolution, a sigmoid
#   and 2×2 average pooling with stride 2; the first convolution has 6
#   output channels and keeps the 28×28 size with padding 2 (`"same"` in
#   Keras, since the kernel is odd), the second has 16 channels and no
#   padding;
# * a **dense block**: flatten, then dense layers of 120, 84 and 10 units,
#   the first two with sigmoids.
#
# The book initializes with Xavier (Glorot) uniform, which is already Keras'
# default for `Conv2D` and `Dense`. As in chapters 3 and 5, the model we
# train is a `workbook.fastfit.FastModel`, a `keras.Model` whose `fit` runs
# the same training with less work per step; compiling, fitting and
# callbacks are plain Keras, and the models you write stay `keras.Model`.

# %%
from workbook.fastfit import FastModel


def lenet_model(activation="sigmoid", input_shape=(28, 28, 1), num_classes=10):
    inputs = keras.Input(input_shape)
    x = keras.layers.Conv2D(6, 5, padding="same", activation=activation)(inputs)
    x = keras.layers.AveragePooling2D(2)(x)
    x = keras.layers.Conv2D(16, 5, activation=activation)(x)
    x = keras.layers.AveragePooling2D(2)(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(120, activation=activation)(x)
    x = keras.layers.Dense(84, activation=activation)(x)
    return FastModel(inputs, keras.layers.Dense(num_classes)(x), name=f"lenet_{activation}")


lenet = lenet_model()
print_shape_table(lenet)

# %% [markdown]
# The shape table is the book's `layer_summary` in channels-last form: the
# first convolution keeps 28×28 with 6 channels, pooling halves it to 14×14,
# the unpadded second convolution gives 10×10×16, pooling 5×5×16, which
# flattens to 400 numbers, then 120, 84 and 10. Of the 61,706 parameters,
# $400 \cdot 120 + 120 = 48{,}120$ sit in the first dense layer; the two
# convolutions have only $5 \cdot 5 \cdot 1 \cdot 6 + 6 = 156$ and
# $5 \cdot 5 \cdot 6 \cdot 16 + 16 = 2{,}416$. A quick check that the table
# is what the model really does, on one batch:

# %%
print("logits for a batch of 2:", tuple(lenet(np.zeros((2, 28, 28, 1), "float32")).shape))
print("total parameters:", lenet.count_params())

# %% [markdown]
# ### 7.6.2 Training on Fashion-MNIST
#
# The D2L book trains this network on Fashion-MNIST for 10 epochs with
# minibatch SGD, learning rate 0.1 and batches of 128 (the `full` profile
# below). The sigmoid version needs many steps before it learns anything:
# its loss sits at $\ln 10 \approx 2.30$ (chance) for a while, because small
# gradients through five saturating layers are slow to break the symmetry.
# The default profile, meant for a laptop CPU, trains on a subset for a few
# epochs, too few steps for the sigmoid LeNet to leave that plateau (see the
# measurement on real digits below), so there we use ReLU activations with
# the same architecture and optimizer. Chapter 8's batch normalization is
# the other cure.

# %%
lenet_activation = PROFILE.pick(tiny="relu", default="relu", full="sigmoid")
lenet_epochs = PROFILE.pick(tiny=1, default=5, full=10)
lenet_batch = PROFILE.pick(tiny=128, default=128, full=128)
lenet_lr = PROFILE.pick(tiny=0.1, default=0.1, full=0.1)
train_data, test_data = load_fashion_mnist_resized(
    28, batch_size=lenet_batch, num_train=PROFILE.pick(tiny=256, default=12000, full=60000),
    num_test=PROFILE.pick(tiny=128, default=2000, full=10000))
print(len(train_data), "training batches of", lenet_batch, "| activation:", lenet_activation)


def compile_classifier(model, learning_rate):
    model.compile(optimizer=keras.optimizers.SGD(learning_rate),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    return model

# %% tags=["heavy"]
set_seed(0)
fashion_lenet = compile_classifier(lenet_model(lenet_activation), lenet_lr)
fashion_lenet.fit(train_data, validation_data=test_data, epochs=lenet_epochs, verbose=2,
                  callbacks=[LivePlot(["loss", "val_loss", "accuracy", "val_accuracy"],
                                      name="ch07_lenet_fashion")])
print(f"test accuracy ({lenet_activation} LeNet, Fashion-MNIST subset): "
      f"{evaluate_accuracy(fashion_lenet, test_data):.4f}")

# %% [markdown]
# ### 7.6.3 A measurement on real digits
#
# Whether or not Fashion-MNIST was available above, scikit-learn's 1,797
# handwritten digits are: real 8×8 scans, which `load_digit_images` upsamples
# to LeNet's 28×28 (1,438 for training, 359 for validation). We train the
# book's sigmoid LeNet and the ReLU variant with identical settings (SGD,
# learning rate 0.1, batches of 32) and print both validation accuracies.

# %% tags=["heavy"]
(digits_x, digits_y), (digits_val_x, digits_val_y) = load_digit_images(28)
show_images(digits_x[:18], [str(d) for d in digits_y[:18]], name="ch07_digits", mock=False)
digit_epochs = PROFILE.pick(tiny=1, default=10, full=20)
digit_rows = PROFILE.pick(tiny=256, default=len(digits_y), full=len(digits_y))  # tiny: a subset
for activation in ("sigmoid", "relu"):
    set_seed(0)
    model = compile_classifier(lenet_model(activation), 0.1)
    model.fit(digits_x[:digit_rows], digits_y[:digit_rows], batch_size=32, verbose=0,
              epochs=digit_epochs, validation_data=(digits_val_x, digits_val_y),
              callbacks=[LivePlot(["loss", "val_loss", "val_accuracy"],
                                  name=f"ch07_lenet_digits_{activation}", mock=False)])
    _, accuracy = model.evaluate(digits_val_x, digits_val_y, verbose=0)
    print(f"{activation:7s} LeNet, digits ({digit_rows} training images, {digit_epochs} epochs): "
          f"validation accuracy {accuracy:.3f}")

# %% [markdown]
# In our default-profile run (10 epochs, 450 steps) the sigmoid LeNet stayed
# at chance (validation accuracy 0.103 on the digits), while the ReLU LeNet
# reached 0.997; your run prints its own figures. The architecture is the
# same; what differs is how well gradients pass through the activations.
#
# ### Summary
#
# * LeNet is a convolutional encoder (two conv–sigmoid–pool blocks) followed
#   by three dense layers: 61,706 parameters for 28×28×1 inputs, most of them
#   in the first dense layer.
# * Built with the functional API, its shapes can be read off layer by layer;
#   `workbook.convolution.print_shape_table` prints them.
# * The sigmoid version trains slowly; with ReLU the same network learns in a
#   few hundred steps.

# %% [markdown]
# ### Exercise 7.10: LeNet and its variants
#
# The D2L book suggests modernizing LeNet (max pooling, ReLU) and trying
# other widths and depths. Write a builder for the whole family,
# `lenet_variant(input_shape=(28, 28, 1), num_classes=10, conv_channels=(6, 16),
# dense_units=(120, 84), activation="sigmoid", pooling="avg")`, that returns
# a **functional** model (no `Sequential`, no subclassed model):
#
# * for each entry `c` of `conv_channels`, a block of `Conv2D(c, 5,
#   activation=activation)`, with `padding="same"` in the first block and
#   `"valid"` in the others, followed by 2×2 pooling with stride 2:
#   `AveragePooling2D` for `pooling="avg"`, `MaxPooling2D` for `"max"`;
# * `Flatten`, then `Dense(u, activation=activation)` for each entry `u` of
#   `dense_units`, then `Dense(num_classes)` producing logits (no
#   activation).
#
# Pass the activation as the layers' `activation=` argument. With the
# defaults this is the book's LeNet of section 7.6.1, 61,706 parameters.

# %% tags=["exercise"] exercise="ch07.lenet"
# exercise: ch07.lenet
def lenet_variant(input_shape=(28, 28, 1), num_classes=10, conv_channels=(6, 16),
                  dense_units=(120, 84), activation="sigmoid", pooling="avg"):
    """LeNet-style functional model: conv-pool blocks, then dense layers."""
    raise NotImplementedError("ch07.lenet: write your answer here")


# %% tags=["check"]
check("ch07.lenet")

# %% [markdown]
# ### Exercise 7.11: receptive fields
#
# Section 7.2.6 said that deeper layers see more of the input. Write
# `receptive_field(layers)`: `layers` is a list of `(kernel, stride)` pairs
# of ints, one per convolution or pooling layer from input to output, all
# square. Return the side length (an int) of the input region that one
# output element of the last layer depends on. For LeNet's encoder,
# `[(5, 1), (2, 2), (5, 1), (2, 2)]`, work it out by hand first. (Padding
# changes where the region lies, not its size.)

# %% tags=["exercise"] exercise="ch07.receptive_field"
# exercise: ch07.receptive_field
def receptive_field(layers):
    """Side length of the receptive field of one output element."""
    raise NotImplementedError("ch07.receptive_field: write your answer here")


# %% tags=["check"]
check("ch07.receptive_field")
