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
# # 8. Modern Convolutional Neural Networks
#
# Chapter 7 built LeNet, a small convolutional network of 1998. This chapter
# follows chapter 8 of the D2L book (*Dive into Deep Learning*, Zhang, Lipton,
# Li and Smola, release 1.0, PyTorch edition) through the designs that made
# convolutional networks the default for vision after 2012: AlexNet (8.1),
# networks made of repeated blocks, VGG (8.2), the network in network, NiN
# (8.3), multi-branch blocks, GoogLeNet (8.4), batch normalization (8.5),
# residual networks, ResNet and ResNeXt (8.6), dense connections, DenseNet
# (8.7), and finally whole *design spaces* of networks, AnyNet and RegNet
# (8.8).
#
# Every network is a Keras functional model. Blocks are Python functions
# that take a symbolic tensor and return one (chapter 6.1.2); the workbook
# keeps them in `workbook.cnn_blocks` so later chapters can reuse them, and
# this chapter prints each block's source where it first appears.
#
# **Sizes and numbers.** The D2L book trains every network on Fashion-MNIST
# upsampled to 224×224 or 96×96 pixels for 10 epochs on a GPU. Building a
# full-size model to print its shapes and parameter counts is cheap, so the
# chapter does that in every profile. *Training* at those sizes is not
# possible on a laptop CPU in minutes, so the `default` profile trains each
# network at a lower resolution, with fewer channels, on a subset of the
# images and with the Adam optimizer; the `full` profile uses the book's
# sizes, learning rates and plain SGD. Where Fashion-MNIST is not cached
# (for instance in tests, with `WORKBOOK_MOCK_DATA=1`) the loader substitutes
# generated data and says so with a `MOCK DATA` banner: every loss and
# accuracy after it is noise. The batch-normalization experiment of 8.5 runs
# on scikit-learn's handwritten digits, real data that ships with the
# package, so the chapter always has one real measurement to show. Figures
# quoted from the D2L book are labelled as the book's.

# %% tags=["setup"]
import workbook  # selects the torch backend before Keras is imported
from workbook import PROFILE, check, set_seed
import inspect
import math

import keras
import numpy as np
import torch
from keras import ops

print(workbook.profiles.describe(), "| keras", keras.__version__, "| torch", torch.__version__)
set_seed(42)

# %% [markdown]
# The chapter also uses the blocks of `workbook.cnn_blocks`, the image
# helpers of chapter 7 (`workbook.convolution`) and the plotting and
# accuracy helpers of the earlier chapters.

# %%
import tempfile
import time
from pathlib import Path

from keras import layers

from workbook import cnn_blocks
from workbook.classification import evaluate_accuracy
from workbook.convolution import ResizedBatches, load_digit_images, print_shape_table
from workbook.datasets import load_fashion_mnist, mock_enabled
from workbook.fastfit import FastModel
from workbook.plotting import LivePlot


def show(function):
    """Print the source of a helper the chapter imports instead of repeating it."""
    print(inspect.getsource(function))


# %% [markdown]
# ## Before we start: training on Fashion-MNIST, one size per network
#
# All networks of this chapter classify Fashion-MNIST. We read the images
# once at their own 28×28 and let `ResizedBatches` (chapter 7) upsample one
# batch at a time to whatever size a network needs, so the large copy of the
# data set never exists in memory. `fit_classifier` compiles a model with
# an optimizer (`make_optimizer` picks the profile's), trains it with live
# learning curves and reports the accuracy together with what it was
# measured on. The networks we train are built as
# `workbook.fastfit.FastModel` (chapter 3.6), a `keras.Model` whose `fit`
# runs the same training with less work per step; the models you write in
# the exercises stay `keras.Model`.

# %%
num_epochs = PROFILE.pick(tiny=1, default=2, full=10)
batch_size = PROFILE.pick(tiny=32, default=64, full=128)
fashion_train, fashion_test = load_fashion_mnist(
    batch_size=batch_size,
    num_train=PROFILE.pick(tiny=64, default=1500, full=60000),
    num_test=PROFILE.pick(tiny=32, default=500, full=10000),
)
DATA_LABEL = "MOCK Fashion-MNIST (meaningless)" if mock_enabled() else "Fashion-MNIST"
print(len(fashion_train.images), "training and", len(fashion_test.images), "test images,",
      "batches of", batch_size)


def make_optimizer(book_learning_rate):
    """The book's plain SGD in the full profile; Adam for the short CPU runs."""
    if PROFILE.name == "full":
        return keras.optimizers.SGD(book_learning_rate)
    return keras.optimizers.Adam(1e-3)


def fit_classifier(model, train, test, optimizer, epochs, label, batch_size=None):
    """Train on ``train`` (a PyDataset or an (x, y) pair) and report the accuracy on ``test``."""
    model.compile(optimizer=optimizer,
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    x, y = train if isinstance(train, tuple) else (train, None)
    start = time.perf_counter()
    model.fit(x, y, batch_size=batch_size, validation_data=test, epochs=epochs, verbose=2,
              callbacks=[LivePlot(["loss", "val_loss", "accuracy", "val_accuracy"],
                                  name=f"ch08_{model.name}")])
    accuracy = evaluate_accuracy(model, test)
    print(f"{model.name}: accuracy {accuracy:.3f} on {label} "
          f"({PROFILE.name} profile, {epochs} epochs, {time.perf_counter() - start:.0f} s)")
    return accuracy


def train_on_fashion_mnist(model, book_learning_rate):
    """Train a model whose input is side x side x 1 on the resized images."""
    side = model.input_shape[1]
    train = fashion_train if side == 28 else ResizedBatches(fashion_train, side)
    test = fashion_test if side == 28 else ResizedBatches(fashion_test, side)
    return fit_classifier(model, train, test, make_optimizer(book_learning_rate), num_epochs,
                          f"the {DATA_LABEL} test images at {side}x{side}")


# %% [markdown]
# ## 8.1 Deep Convolutional Neural Networks (AlexNet)
#
# Before 2012 most vision systems were pipelines of hand-designed features
# (SIFT, HOG, bags of visual words) followed by a linear classifier. AlexNet
# (Krizhevsky, Sutskever and Hinton, 2012) won the ImageNet challenge by a
# wide margin with features that were *learned*, end to end, by an
# eight-layer network trained on two GPUs. Two ingredients had been missing
# before: data (ImageNet's 1.2 million labelled images) and hardware (GPUs
# that make the convolutions cheap).
#
# AlexNet is a larger and deeper LeNet: five convolutional layers and three
# dense layers. The first convolution has an 11×11 window with stride 4 (the
# ImageNet images are large), followed by 3×3 max-pooling with stride 2.
# Sigmoids give way to ReLU, which does not saturate for positive inputs
# and is cheaper to compute, and dropout (chapter 5.6) regularizes the two
# huge dense layers. The book's version for Fashion-MNIST has one input
# channel and 10 outputs.
#
# The book's first convolution pads one pixel on each side (torch's
# `padding=1`); Keras only knows `"valid"` and `"same"`, so explicit padding
# is a `ZeroPadding2D` layer in front of a `"valid"` convolution (chapter
# 7.3). The `width` argument scales every channel count; we use it to train
# a slimmer AlexNet on the CPU.

# %%
def scaled(channels, width):
    """A channel count scaled by width (at least 1)."""
    return max(1, int(round(channels * width)))


def alexnet(input_shape=(224, 224, 1), num_classes=10, width=1.0, name="alexnet"):
    inputs = keras.Input(shape=input_shape)
    x = layers.ZeroPadding2D(1)(inputs)
    x = layers.Conv2D(scaled(96, width), 11, strides=4, activation="relu")(x)
    x = layers.MaxPooling2D(3, strides=2)(x)
    x = layers.Conv2D(scaled(256, width), 5, padding="same", activation="relu")(x)
    x = layers.MaxPooling2D(3, strides=2)(x)
    for channels in (384, 384, 256):
        x = layers.Conv2D(scaled(channels, width), 3, padding="same", activation="relu")(x)
    x = layers.MaxPooling2D(3, strides=2)(x)
    x = layers.Flatten()(x)
    for _ in range(2):
        x = layers.Dense(scaled(4096, width), activation="relu")(x)
        x = layers.Dropout(0.5)(x)
    return FastModel(inputs, layers.Dense(num_classes)(x), name=name)


print_shape_table(alexnet())

# %% [markdown]
# The shapes are the book's: 54×54×96 after the first convolution, 26, 12
# and finally 5×5×256 = 6400 features into the first dense layer. Of the
# 46,764,746 parameters, 26,218,496 sit in that one dense layer and
# 16,781,312 in the next; the five convolutions together hold 3.7 million.
# The dense layers dominate memory, the convolutions dominate computation.
#
# The training run below uses a 1/16-width AlexNet on 67×67 images in the
# default profile, the smallest size at which all three poolings still have
# a window to pool (the book: full width at 224×224, SGD with learning rate
# 0.01).

# %% tags=["heavy"]
set_seed(1)
alexnet_side = PROFILE.pick(tiny=67, default=67, full=224)
alexnet_width = PROFILE.pick(tiny=1 / 16, default=1 / 16, full=1.0)
train_on_fashion_mnist(
    alexnet((alexnet_side, alexnet_side, 1), width=alexnet_width, name="alexnet_small"), 0.01
)

# %% [markdown]
# ### Summary
#
# * AlexNet is a deeper, wider LeNet with ReLU, max-pooling and dropout,
#   trained on far more data with GPUs; its features are learned.
# * Keras has no numeric `padding=`; torch's `padding=p` is `ZeroPadding2D(p)`
#   followed by a `"valid"` convolution.
# * Most of AlexNet's parameters are in its dense layers.
#
# ### Exercise 8.1: AlexNet's parameter budget by hand
#
# Write `alexnet_layer_params(side, in_channels=1, num_classes=10)`: the
# number of parameters (weights and biases) of each of the eight layers of
# the full-width AlexNet above on a `side`×`side`×`in_channels` input, as a
# list of eight ints `[conv1, conv2, conv3, conv4, conv5, dense1, dense2,
# dense3]`. Use arithmetic only (no model): the first dense layer's input
# size depends on `side` through every convolution and pooling, with the
# book's padding (1 on each side for the first convolution) and pooling
# that drops incomplete windows (floor). At 224×224×1 the total is
# 46,764,746.

# %% tags=["exercise"] exercise="ch08.alexnet_params"
# exercise: ch08.alexnet_params
def alexnet_layer_params(side, in_channels=1, num_classes=10):
    """Parameters of AlexNet's eight layers on a side x side x in_channels input."""
    raise NotImplementedError("ch08.alexnet_params: write your answer here")


# %% tags=["check"]
check("ch08.alexnet_params")

# %% [markdown]
# ## 8.2 Networks Using Blocks (VGG)
#
# AlexNet's layers were designed one by one. VGG (Simonyan and Zisserman,
# 2014) introduced the idea of a *block*, a small pattern repeated
# throughout the network: a few 3×3 convolutions with padding 1 (the shape
# stays the same) and ReLU, then a 2×2 max-pooling with stride 2 (the
# resolution halves). Two stacked 3×3 convolutions see a 5×5 window with
# 2·9c² instead of 25c² parameters, so deep and narrow beats shallow and
# wide. In the functional API a block is just a function on tensors:

# %%
show(cnn_blocks.vgg_block)

# %% [markdown]
# A VGG network is a list of blocks, `arch = ((num_convs, channels), ...)`,
# followed by AlexNet's dense head. VGG-11 has eight convolutions in five
# blocks plus three dense layers; since each block halves the resolution,
# five blocks take 224×224 down to 7×7.

# %%
def vgg(arch, input_shape=(224, 224, 1), num_classes=10, fc_units=4096, name="vgg"):
    inputs = keras.Input(shape=input_shape)
    x = inputs
    for num_convs, channels in arch:
        x = cnn_blocks.vgg_block(x, num_convs, channels)
    x = layers.Flatten()(x)
    for _ in range(2):
        x = layers.Dense(fc_units, activation="relu")(x)
        x = layers.Dropout(0.5)(x)
    return FastModel(inputs, layers.Dense(num_classes)(x), name=name)


VGG11 = ((1, 64), (1, 128), (2, 256), (2, 512), (2, 512))
VGG11_QUARTER = tuple((n, c // 4) for n, c in VGG11)  # what the book trains
vgg11 = vgg(VGG11, name="vgg11")
print_shape_table(vgg11)
print(f"VGG-11 at 1/4 width (the book's training run): {vgg(VGG11_QUARTER).count_params():,} parameters")
del vgg11  # 515 MB of float32 weights

# %% [markdown]
# VGG-11 has 128,806,154 parameters, 102,764,544 of them in the first dense
# layer (7·7·512 inputs × 4096). The book trains the quarter-width version,
# which still has 43,093,322, mostly in its dense layers. We train a version
# with 1/16 of the channels and 128 dense units on 32×32 images in the
# default profile.

# %% tags=["heavy"]
set_seed(2)
vgg_side = PROFILE.pick(tiny=32, default=32, full=224)
vgg_arch = PROFILE.pick(tiny=tuple((n, c // 16) for n, c in VGG11),
                        default=tuple((n, c // 16) for n, c in VGG11), full=VGG11_QUARTER)
vgg_fc = PROFILE.pick(tiny=64, default=128, full=4096)
train_on_fashion_mnist(vgg(vgg_arch, (vgg_side, vgg_side, 1), fc_units=vgg_fc, name="vgg_small"), 0.01)

# %% [markdown]
# ### Summary
#
# * VGG builds a network from one repeated block: 3×3 convolutions that keep
#   the shape, then a pooling that halves it.
# * In the functional API a block is a Python function from tensor to
#   tensor; the model is a loop over an architecture list.
# * Deep stacks of small kernels beat a few large ones at the same cost.
#
# ### Exercise 8.2: a VGG builder
#
# Write `build_vgg(arch, input_shape, num_classes, fc_units)`: a functional
# model from `keras.Input(input_shape)` through one VGG block per
# `(num_convs, channels)` in `arch` (each: `num_convs` times `Conv2D(channels,
# 3, padding="same", activation="relu")`, then `MaxPooling2D(2, strides=2)`),
# then `Flatten`, two times `Dense(fc_units, relu)` + `Dropout(0.5)`, and a
# final `Dense(num_classes)` of logits.

# %% tags=["exercise"] exercise="ch08.vgg"
# exercise: ch08.vgg
def build_vgg(arch, input_shape, num_classes, fc_units):
    """VGG blocks from arch, then the dense head with dropout."""
    raise NotImplementedError("ch08.vgg: write your answer here")


# %% tags=["check"]
check("ch08.vgg")

# %% [markdown]
# ## 8.3 Network in Network (NiN)
#
# The dense layers at the end of AlexNet and VGG hold most of the
# parameters, and flattening throws away the spatial structure early. NiN
# (Lin, Chen and Yan, 2013) avoids both: each NiN block is a convolution
# followed by two 1×1 convolutions, which act as a small MLP applied at
# every pixel (chapter 7.4), and the network ends with a block that has as
# many channels as classes, averaged over all positions by *global average
# pooling*. There is no dense layer at all.

# %%
show(cnn_blocks.nin_block)


def nin(input_shape=(224, 224, 1), num_classes=10, widths=(96, 256, 384), name="nin"):
    inputs = keras.Input(shape=input_shape)
    x = cnn_blocks.nin_block(inputs, widths[0], 11, 4, 0)
    x = layers.MaxPooling2D(3, strides=2)(x)
    x = cnn_blocks.nin_block(x, widths[1], 5, 1, 2)
    x = layers.MaxPooling2D(3, strides=2)(x)
    x = cnn_blocks.nin_block(x, widths[2], 3, 1, 1)
    x = layers.MaxPooling2D(3, strides=2)(x)
    x = layers.Dropout(0.5)(x)
    x = cnn_blocks.nin_block(x, num_classes, 3, 1, 1)
    return FastModel(inputs, layers.GlobalAveragePooling2D()(x), name=name)


print_shape_table(nin())

# %% [markdown]
# The pooled shapes are the book's: 26×26×96, 12×12×256, 5×5×384, and 10
# outputs. The whole network has 1,992,166 parameters, fewer than the first
# dense layer of AlexNet alone. Note that the last block ends in a ReLU, as
# in the book, so the "logits" are non-negative; the softmax in the loss
# does not mind. We train NiN with 1/8 of the channels at 96×96, the
# smallest convenient size at which all three poolings still have a window
# to pool (the book: 224×224, learning rate 0.05).

# %% tags=["heavy"]
set_seed(3)
nin_side = PROFILE.pick(tiny=96, default=96, full=224)
nin_widths = PROFILE.pick(tiny=(8, 16, 24), default=(12, 32, 48), full=(96, 256, 384))
train_on_fashion_mnist(nin((nin_side, nin_side, 1), widths=nin_widths, name="nin_small"), 0.05)

# %% [markdown]
# ### Summary
#
# * A NiN block is a convolution followed by two 1×1 convolutions: an MLP
#   per pixel.
# * Global average pooling over a last block with one channel per class
#   replaces the dense head and its millions of parameters.
#
# ### Exercise 8.3: NiN with chosen widths
#
# Write `build_nin(input_shape, widths, num_classes)`: the NiN above with
# `widths = (w1, w2, w3)` for its first three blocks. Each block is
# `ZeroPadding2D(p)` (only when p > 0), a `"valid"` `Conv2D` with the
# block's kernel and stride, then two `Conv2D(channels, 1)`, all with ReLU;
# the blocks use (kernel, stride, padding) = (11, 4, 0), (5, 1, 2), (3, 1,
# 1), each followed by `MaxPooling2D(3, strides=2)`, then `Dropout(0.5)`, a
# last block with `num_classes` channels and (3, 1, 1), and
# `GlobalAveragePooling2D`. No `Dense` layer.

# %% tags=["exercise"] exercise="ch08.nin"
# exercise: ch08.nin
def build_nin(input_shape, widths, num_classes):
    """NiN: four NiN blocks with max-pooling and dropout, global average pooling, no Dense."""
    raise NotImplementedError("ch08.nin: write your answer here")


# %% tags=["check"]
check("ch08.nin")

# %% [markdown]
# ## 8.4 Multi-Branch Networks (GoogLeNet)
#
# Which kernel size is best, 1×1, 3×3 or 5×5? GoogLeNet (Szegedy et al.,
# 2015) answers: all of them, side by side. Its *Inception block* runs four
# paths in parallel on the same input and concatenates their outputs along
# the channel axis. 1×1 convolutions in front of the 3×3 and 5×5 paths
# reduce the channels first, which keeps the cost down; the fourth path
# max-pools with stride 1 and then mixes channels with a 1×1 convolution.
# Every path keeps the height and width, so the outputs can be
# concatenated.

# %%
show(cnn_blocks.inception_block)

inputs = keras.Input(shape=(12, 12, 192))
block = keras.Model(inputs, cnn_blocks.inception_block(inputs, 64, (96, 128), (16, 32), 32))
print("Inception(64, (96, 128), (16, 32), 32) on 12x12x192 ->", block.output_shape,
      f"with {block.count_params():,} parameters")

# %% [markdown]
# GoogLeNet stacks nine Inception blocks in three groups between a stem
# (7×7 convolution, then 1×1 and 3×3 convolutions, each stage followed by
# a 3×3 max-pooling with stride 2) and a head (global average pooling and
# one dense layer). The channel ratios of the blocks were found by
# experiment on ImageNet. Keras' `"same"` pooling gives the book's shapes
# (torch's `padding=1` with stride 2 on an even size gives the same length),
# though not the identical values at the borders (chapter 7.5).

# %%
GOOGLENET_BLOCKS = (
    ((64, (96, 128), (16, 32), 32), (128, (128, 192), (32, 96), 64)),
    ((192, (96, 208), (16, 48), 64), (160, (112, 224), (24, 64), 64),
     (128, (128, 256), (24, 64), 64), (112, (144, 288), (32, 64), 64),
     (256, (160, 320), (32, 128), 128)),
    ((256, (160, 320), (32, 128), 128), (384, (192, 384), (48, 128), 128)),
)


def googlenet(input_shape=(96, 96, 1), num_classes=10, width=1.0, name="googlenet"):
    def w(channels):
        return scaled(channels, width)

    inputs = keras.Input(shape=input_shape)
    x = layers.Conv2D(w(64), 7, strides=2, padding="same", activation="relu")(inputs)
    x = layers.MaxPooling2D(3, strides=2, padding="same")(x)
    x = layers.Conv2D(w(64), 1, activation="relu")(x)
    x = layers.Conv2D(w(192), 3, padding="same", activation="relu")(x)
    x = layers.MaxPooling2D(3, strides=2, padding="same")(x)
    for group, blocks in enumerate(GOOGLENET_BLOCKS):
        for c1, c2, c3, c4 in blocks:
            x = cnn_blocks.inception_block(x, w(c1), (w(c2[0]), w(c2[1])), (w(c3[0]), w(c3[1])), w(c4))
        if group < 2:
            x = layers.MaxPooling2D(3, strides=2, padding="same")(x)
    x = layers.GlobalAveragePooling2D()(x)
    return FastModel(inputs, layers.Dense(num_classes)(x), name=name)


googlenet_full = googlenet()
print_shape_table(googlenet_full)

# %% [markdown]
# On 96×96 inputs the stages end at 24×24×64, 12×12×192, 6×6×480, 3×3×832
# and 1024 features, and the network has 5,977,530 parameters, like the
# book's. The training run uses an eighth of every channel count at 32×32
# (the book: full width at 96×96, learning rate 0.01).

# %% tags=["heavy"]
set_seed(4)
googlenet_side = PROFILE.pick(tiny=32, default=32, full=96)
googlenet_width = PROFILE.pick(tiny=1 / 16, default=1 / 8, full=1.0)
train_on_fashion_mnist(
    googlenet((googlenet_side, googlenet_side, 1), width=googlenet_width, name="googlenet_small"), 0.01
)

# %% [markdown]
# ### Summary
#
# * An Inception block runs 1×1, 3×3, 5×5 and pooling paths in parallel and
#   concatenates them along the channels; 1×1 convolutions keep the cost
#   down.
# * `Concatenate()` joins functional branches; every branch must keep the
#   height and width (`padding="same"`, stride 1).
#
# ### Exercise 8.4: an Inception block with a factorized 5×5 path
#
# Later versions of Inception replace the 5×5 convolution by two 3×3
# convolutions, which see the same window with fewer parameters. Write
# `build_inception_v3(input_shape, c1, c2, c3, c4)`: a functional model
# `keras.Input(input_shape)` → one Inception block → output, where the
# block is the one above except that path 3 is `Conv2D(c3[0], 1)` →
# `Conv2D(c3[1], 3, "same")` → `Conv2D(c3[1], 3, "same")`, all with ReLU. The
# four paths are concatenated in the order 1×1, 3×3, factorized 5×5, pool.

# %% tags=["exercise"] exercise="ch08.inception"
# exercise: ch08.inception
def build_inception_v3(input_shape, c1, c2, c3, c4):
    """Input -> an Inception block whose 5x5 path is two 3x3 convolutions."""
    raise NotImplementedError("ch08.inception: write your answer here")


# %% tags=["check"]
check("ch08.inception")

# %% [markdown]
# ## 8.5 Batch Normalization
#
# Deep networks are hard to train: the distribution of each layer's inputs
# drifts as the layers before it learn, and with saturating activations
# such as the sigmoid the gradients of a deep stack vanish. *Batch
# normalization* (Ioffe and Szegedy, 2015) standardizes a layer's inputs
# over each minibatch $\mathcal{B}$ and then lets the network rescale them:
#
# $$\mathrm{BN}(\mathbf{x}) = \boldsymbol{\gamma} \odot
# \frac{\mathbf{x} - \hat{\boldsymbol{\mu}}_\mathcal{B}}{\sqrt{\hat{\boldsymbol{\sigma}}^2_\mathcal{B} + \epsilon}}
# + \boldsymbol{\beta},$$
#
# with the minibatch mean $\hat{\boldsymbol{\mu}}_\mathcal{B}$, the
# *biased* minibatch variance $\hat{\boldsymbol{\sigma}}^2_\mathcal{B} =
# \frac{1}{|\mathcal{B}|}\sum_{\mathbf{x}\in\mathcal{B}}(\mathbf{x} -
# \hat{\boldsymbol{\mu}}_\mathcal{B})^2$, a small $\epsilon > 0$, and a
# learned scale $\boldsymbol{\gamma}$ and shift $\boldsymbol{\beta}$.
# After a dense layer the statistics are taken per feature over the batch;
# after a convolution, per *channel* over the batch and all positions, so
# that every pixel of a channel is normalized the same way. BN goes after
# the affine or convolution layer and before the activation.
#
# **Training and prediction differ.** During training BN uses the batch's
# statistics (so an example's output depends on the other examples in its
# batch, which acts as a regularizer). At prediction time a single example
# has no batch, and the output should depend on the input alone, so BN
# uses *moving averages* of the mean and variance accumulated during
# training.
#
# ### 8.5.1 Batch normalization from scratch
#
# Here is BN as a Keras layer written with `keras.ops`. `gamma` and `beta`
# are trainable weights; the moving statistics are weights with
# `trainable=False`, updated with `assign` in training mode. Keras passes
# `training=True` inside `fit` and `training=False` (or nothing) in
# `predict`, `evaluate` and a plain call. The layer normalizes over every
# axis but the last, so the same code serves dense (batch, features) and
# convolutional (batch, height, width, channels) inputs. Its `momentum`
# follows **Keras' convention**: the weight of the *old* value in
# `moving = momentum * moving + (1 - momentum) * batch_statistic`.

# %%
@keras.saving.register_keras_serializable(package="ch08")
class BatchNormScratch(keras.layers.Layer):
    """Batch normalization over all axes but the last (channels last)."""

    def __init__(self, momentum=0.9, epsilon=1e-5, **kwargs):
        super().__init__(**kwargs)
        if not 0.0 <= momentum < 1.0:
            raise ValueError(f"momentum must lie in [0, 1), got {momentum}")
        self.momentum = momentum
        self.epsilon = epsilon

    def build(self, input_shape):
        shape = (input_shape[-1],)
        self.gamma = self.add_weight(shape=shape, initializer="ones", name="gamma")
        self.beta = self.add_weight(shape=shape, initializer="zeros", name="beta")
        self.moving_mean = self.add_weight(shape=shape, initializer="zeros",
                                           trainable=False, name="moving_mean")
        self.moving_var = self.add_weight(shape=shape, initializer="ones",
                                          trainable=False, name="moving_var")

    def call(self, x, training=None):
        if training:
            axes = list(range(len(x.shape) - 1))
            mean = ops.mean(x, axis=axes)
            var = ops.mean(ops.square(x - mean), axis=axes)  # biased: divide by n
            m = self.momentum
            self.moving_mean.assign(m * self.moving_mean + (1.0 - m) * mean)
            self.moving_var.assign(m * self.moving_var + (1.0 - m) * var)
        else:
            mean, var = self.moving_mean, self.moving_var
        return self.gamma * (x - mean) / ops.sqrt(var + self.epsilon) + self.beta

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "epsilon": self.epsilon}


x = keras.random.normal((8, 4, 4, 3), mean=2.0, stddev=3.0, seed=5)
bn = BatchNormScratch()
y_train = ops.convert_to_numpy(bn(x, training=True))
print("training mode, per-channel mean and std of the output:",
      y_train.mean(axis=(0, 1, 2)).round(4), y_train.std(axis=(0, 1, 2)).round(4))
print("moving mean after one batch (0.9 * 0 + 0.1 * batch mean):",
      ops.convert_to_numpy(bn.moving_mean).round(3))
y_infer = ops.convert_to_numpy(bn(x))
print("inference mode uses the moving statistics, so the output is not standardized:",
      y_infer.mean(axis=(0, 1, 2)).round(3))

# %% [markdown]
# In training mode every channel comes out with mean 0 and standard
# deviation 1 (up to ε); one training step moved the moving mean a tenth of
# the way from 0 towards the batch mean. The layer has a `get_config`, so a
# model that uses it can be saved as a `.keras` file and loaded back with
# the moving statistics (the class is registered, chapter 6.6):

# %%
inputs = keras.Input(shape=(4, 4, 3))
saved_model = keras.Model(inputs, BatchNormScratch(name="bn")(inputs))
saved_model.get_layer("bn")(x, training=True)  # move the statistics once
path = Path(tempfile.mkdtemp()) / "bn.keras"
saved_model.save(path)
loaded = keras.saving.load_model(path)
print("same moving variance after loading:",
      np.allclose(ops.convert_to_numpy(loaded.get_layer("bn").moving_var),
                  ops.convert_to_numpy(saved_model.get_layer("bn").moving_var)),
      "| same predictions:",
      np.allclose(loaded.predict(x, verbose=0), saved_model.predict(x, verbose=0)))

# %% [markdown]
# ### 8.5.2 The Keras layer and three conventions that differ
#
# `keras.layers.BatchNormalization` does the same computation, and it agrees
# with our layer once two settings are made equal. The D2L book and
# PyTorch write the moving average the other way round, and both libraries
# use different defaults:
#
# | | Keras `BatchNormalization` | torch `nn.BatchNorm2d`, D2L's scratch BN |
# |---|---|---|
# | momentum | weight of the **old** value, default 0.99 | weight of the **new** batch value, default 0.1 |
# | epsilon | 1e-3 | 1e-5 |
# | variance for the moving average | biased (÷n) | torch: **unbiased** (÷(n−1)); D2L's scratch code: biased |
#
# So Keras' `momentum=m` is torch's `momentum=1-m`: Keras' default 0.99 is
# torch's 0.01 (a ten times slower moving average than torch's default),
# and torch's default 0.1 is Keras' 0.9. Both normalize the *current* batch
# with its biased variance; they differ only in the moving variance.

# %%
keras_bn = layers.BatchNormalization(momentum=0.9, epsilon=1e-5)
ours = BatchNormScratch(momentum=0.9, epsilon=1e-5)
for mode in (True, False):
    difference = np.abs(ops.convert_to_numpy(keras_bn(x, training=mode))
                        - ops.convert_to_numpy(ours(x, training=mode))).max()
    print(f"training={mode}: largest difference to the Keras layer {difference:.2g}")

torch_bn = torch.nn.BatchNorm2d(3, momentum=0.1, eps=1e-5)
torch_bn(torch.as_tensor(ops.convert_to_numpy(x)).permute(0, 3, 1, 2))  # NCHW, one training step
print("moving variance, Keras        :", ops.convert_to_numpy(keras_bn.moving_variance).round(4))
print("running variance, torch       :", torch_bn.running_var.numpy().round(4))
n = x.shape[0] * x.shape[1] * x.shape[2]
batch_var = np.var(ops.convert_to_numpy(x), axis=(0, 1, 2))
print("0.9 + 0.1 * var * n / (n - 1) :", (0.9 + 0.1 * batch_var * n / (n - 1)).round(4))

# %% [markdown]
# The two training-mode calls above updated the Keras layer and ours once
# each, by the same rule; torch's running variance is larger by the factor
# n/(n−1) = 128/127 on the batch term, because it uses the unbiased
# variance. Copying a torch model's BN into Keras therefore needs
# `momentum = 1 - torch_momentum` and the torch `eps`; its `running_var`
# can be copied as it is.
#
# ### 8.5.3 BN-LeNet: does it help?
#
# The book puts BN after every convolution and dense layer of LeNet (with
# sigmoid activations, and without LeNet's first padding), and trains it
# with SGD at learning rate 0.1. Our measurement runs on the real digits
# that ship with scikit-learn (1,797 images of 8×8 pixels, upsampled to
# 28×28; 1,438 for training, 359 for validation): plain sigmoid LeNet
# against the same network with our `BatchNormScratch` and with Keras'
# `BatchNormalization`, all three with the book's SGD(0.1), batches of 128.

# %%
def lenet(input_shape=(28, 28, 1), num_classes=10, norm=None, name="lenet"):
    """The sigmoid LeNet of chapter 7 without its first padding; norm() after each hidden layer."""
    def normalize(x):
        return norm()(x) if norm is not None else x

    inputs = keras.Input(shape=input_shape)
    x = inputs
    for channels in (6, 16):
        x = layers.Conv2D(channels, 5)(x)
        x = layers.Activation("sigmoid")(normalize(x))
        x = layers.AveragePooling2D(2, strides=2)(x)
    x = layers.Flatten()(x)
    for units in (120, 84):
        x = layers.Activation("sigmoid")(normalize(layers.Dense(units)(x)))
    return FastModel(inputs, layers.Dense(num_classes)(x), name=name)


bn_lenet = lenet(norm=lambda: layers.BatchNormalization(momentum=0.9, epsilon=1e-5), name="bn_lenet")
print_shape_table(bn_lenet)
non_trainable = bn_lenet.count_params() - sum(int(np.prod(w.shape)) for w in bn_lenet.trainable_weights)
print(f"of which non-trainable (moving means and variances): {non_trainable}")

# %% [markdown]
# BN-LeNet has 45,330 parameters, 452 of them the
# moving statistics (2 × (6 + 16 + 120 + 84)), which are not trained.
# Keras' `count_params` counts them; torch's usual `sum(p.numel() for p in
# model.parameters())` would not (they are buffers there) and reports
# 44,878.

# %% tags=["heavy"]
(digits_x, digits_y), (digits_val_x, digits_val_y) = load_digit_images(28)
num_digits = PROFILE.pick(tiny=128, default=len(digits_y), full=len(digits_y))
digits_x, digits_y = digits_x[:num_digits], digits_y[:num_digits]
digit_epochs = PROFILE.pick(tiny=1, default=10, full=10)
digit_accuracy = {}
for name, norm in [("sigmoid_lenet", None), ("bn_lenet_scratch", BatchNormScratch),
                   ("bn_lenet_keras", lambda: layers.BatchNormalization(momentum=0.9, epsilon=1e-5))]:
    set_seed(5)
    digit_accuracy[name] = fit_classifier(
        lenet(norm=norm, name=name), (digits_x, digits_y), (digits_val_x, digits_val_y),
        keras.optimizers.SGD(0.1), digit_epochs, "the scikit-learn digits' validation split",
        batch_size=128)
print("validation accuracy on the digits:", {name: round(a, 3) for name, a in digit_accuracy.items()})

# %% [markdown]
# In our default-profile run (10 epochs, measured on the scikit-learn
# digits' validation split) the plain sigmoid LeNet did not get off the
# ground: 0.075 validation accuracy, no better than chance. Both BN
# versions reached 0.950, with a validation accuracy between 0.85 and 0.95
# from the third epoch on (the moving statistics still move at this
# learning rate).
# The accuracies printed above are your run's. The sigmoid's gradients are
# small and shrink from layer to layer; BN keeps every layer's input in the
# range where the sigmoid is steep. Our `BatchNormScratch` and Keras'
# layer gave the same losses and accuracies to every printed digit: with
# the same seed they start from the same weights and compute the same
# thing.
#
# ### Summary
#
# * BN standardizes with the batch's mean and biased variance in training
#   and with moving averages at prediction time; γ and β restore the scale.
# * A Keras layer with training-dependent behaviour takes `training=None`
#   in `call`; moving statistics are non-trainable weights updated with
#   `assign`, saved with the model.
# * Keras' momentum is one minus torch's (Keras 0.99 = torch 0.01; torch's
#   0.1 = Keras 0.9); epsilon defaults differ (1e-3 against 1e-5); torch's
#   moving variance uses the unbiased variance.
# * With BN, a sigmoid LeNet that does not learn at all trains well.
#
# ### Exercise 8.5: batch norm in torch's layout and convention
#
# Write `batch_norm_torch_layout(X, gamma, beta, moving_mean, moving_var,
# eps, momentum, training)`, the D2L book's `batch_norm` function, with
# `keras.ops`: `X` is (N, C) or channels-first (N, C, H, W); `gamma`,
# `beta` and the moving statistics have shape (1, C) or (1, C, 1, 1);
# `momentum` is torch's (the weight of the **new** batch statistic). In
# training mode normalize with the batch mean and *biased* variance (per
# feature, or per channel over N, H and W) and return the updated moving
# statistics; in inference mode normalize with the moving statistics and
# return them unchanged. Return `(Y, moving_mean, moving_var)`.

# %% tags=["exercise"] exercise="ch08.bn_torch_layout"
# exercise: ch08.bn_torch_layout
def batch_norm_torch_layout(X, gamma, beta, moving_mean, moving_var, eps, momentum, training):
    """D2L's batch_norm: (Y, new moving_mean, new moving_var), channels first, torch momentum."""
    raise NotImplementedError("ch08.bn_torch_layout: write your answer here")


# %% tags=["check"]
check("ch08.bn_torch_layout")

# %% [markdown]
# ### Exercise 8.6: a torch BatchNorm in Keras
#
# A torch `nn.BatchNorm2d(C, momentum=m, eps=e)` has the state `weight`,
# `bias`, `running_mean` and `running_var` (arrays of length C). Write
# `keras_bn_from_torch(weight, bias, running_mean, running_var, momentum,
# eps)` that returns a `keras.layers.BatchNormalization` layer, built for
# channels-last images `(N, H, W, C)` and holding those values, that
# predicts exactly what the torch layer predicts in eval mode (on the same
# images in torch's layout) and whose moving averages move at the same
# rate.

# %% tags=["exercise"] exercise="ch08.bn_from_torch"
# exercise: ch08.bn_from_torch
def keras_bn_from_torch(weight, bias, running_mean, running_var, momentum, eps):
    """A built Keras BatchNormalization equal to torch's BatchNorm2d with that state."""
    raise NotImplementedError("ch08.bn_from_torch: write your answer here")


# %% tags=["check"]
check("ch08.bn_from_torch")

# %% [markdown]
# ### Exercise 8.7: BN-LeNet, functional
#
# Write `build_bn_lenet(input_shape, num_classes)`, the book's BN-LeNet as
# a functional model: two times `Conv2D(c, 5)` (no padding, no activation,
# c = 6 then 16) → `BatchNormalization(momentum=0.9, epsilon=1e-5)` →
# `Activation("sigmoid")` → `AveragePooling2D(2, strides=2)`; then
# `Flatten`; two times `Dense(u)` (u = 120 then 84) → the same
# `BatchNormalization` → `Activation("sigmoid")`; and `Dense(num_classes)`.
# At 28×28×1 with 10 classes it has 45,330 parameters.

# %% tags=["exercise"] exercise="ch08.bn_lenet"
# exercise: ch08.bn_lenet
def build_bn_lenet(input_shape, num_classes):
    """LeNet with batch normalization before every sigmoid."""
    raise NotImplementedError("ch08.bn_lenet: write your answer here")


# %% tags=["check"]
check("ch08.bn_lenet")

# %% [markdown]
# ## 8.6 Residual Networks (ResNet) and ResNeXt
#
# Adding layers to a network should never make it worse: the deeper
# network could copy the shallower one and let the extra layers compute the
# identity. In practice plain deep networks train *worse* than shallow
# ones, because learning an identity mapping through convolutions is hard.
# ResNet (He et al., 2016) makes the identity the easy case: a *residual
# block* computes $f(\mathbf{x}) = g(\mathbf{x}) + \mathbf{x}$, so the
# layers only need to learn the residual $g$, and $g = 0$ (all weights
# zero) is the identity. The function classes of deeper networks then
# contain those of shallower ones.
#
# The block is two 3×3 convolutions with BN, ReLU in between and after the
# addition. The addition needs both terms in the same shape: when the
# block changes the number of channels or halves the resolution (stride
# 2), the shortcut becomes a strided 1×1 convolution.

# %%
show(cnn_blocks.residual_block)

for channels, use_1x1conv, strides in [(3, False, 1), (6, True, 2)]:
    inputs = keras.Input(shape=(6, 6, 3))
    block = keras.Model(inputs, cnn_blocks.residual_block(inputs, channels, use_1x1conv, strides))
    print(f"residual_block(channels={channels}, use_1x1conv={use_1x1conv}, strides={strides}):",
          "(4, 6, 6, 3) ->", (4,) + block.output_shape[1:])

inputs = keras.Input(shape=(6, 6, 3))
try:
    cnn_blocks.residual_block(inputs, 6, use_1x1conv=False, strides=2)
except ValueError as error:
    print("without the 1x1 shortcut the shapes cannot be added:", str(error).splitlines()[0][:90])

# %% [markdown]
# One detail of Keras: with stride 2 on an even size, `padding="same"` pads
# only at the bottom and right (one row and column), while torch's
# `padding=1` pads one on every side. The shapes agree, but Keras' strided
# 3×3 window is centred one pixel lower and further right than the pixel
# the strided 1×1 shortcut takes. Training does not mind; copying torch
# weights exactly would need `ZeroPadding2D(1)` and a `"valid"` convolution.
#
# ResNet-18 has a GoogLeNet-like stem, four stages of two residual blocks
# each (the first block of every stage but the first halves the
# resolution and doubles the channels), and a global-average-pooling head.

# %%
RESNET18 = ((2, 64), (2, 128), (2, 256), (2, 512))


def resnet(arch=RESNET18, input_shape=(96, 96, 1), num_classes=10, name="resnet18"):
    inputs = keras.Input(shape=input_shape)
    x = layers.Conv2D(arch[0][1], 7, strides=2, padding="same")(inputs)
    x = layers.ReLU()(layers.BatchNormalization()(x))
    x = layers.MaxPooling2D(3, strides=2, padding="same")(x)
    for stage, (num_blocks, channels) in enumerate(arch):
        for i in range(num_blocks):
            downsample = i == 0 and stage > 0
            x = cnn_blocks.residual_block(x, channels, use_1x1conv=downsample,
                                          strides=2 if downsample else 1)
    x = layers.GlobalAveragePooling2D()(x)
    return FastModel(inputs, layers.Dense(num_classes)(x), name=name)


resnet18 = resnet()
print_shape_table(resnet18)
print("of which non-trainable (moving statistics):",
      resnet18.count_params() - sum(int(np.prod(w.shape)) for w in resnet18.trainable_weights))

# %% [markdown]
# At 96×96×1 ResNet-18 has 11,186,186 parameters;
# 7,808 of them are the BN layers' moving means and variances, which
# Keras counts and torch keeps as buffers (torch's `parameters()` would
# sum to 11,178,378). We train it with a quarter of the channels at 32×32
# (the book: full width at 96×96, learning rate 0.01).

# %% tags=["heavy"]
set_seed(6)
resnet_side = PROFILE.pick(tiny=32, default=32, full=96)
resnet_arch = PROFILE.pick(tiny=((1, 8), (1, 16), (1, 32), (1, 64)),
                           default=((2, 16), (2, 32), (2, 64), (2, 128)), full=RESNET18)
train_on_fashion_mnist(resnet(resnet_arch, (resnet_side, resnet_side, 1), name="resnet_small"), 0.01)

# %% [markdown]
# ### 8.6.1 ResNeXt: grouped convolutions
#
# A residual block's cost is dominated by its 3×3 convolution, which mixes
# all $c$ channels with all others: $9c^2$ weights. ResNeXt (Xie et al.,
# 2017) splits the channels into $g$ groups and convolves each group
# separately, $9c^2/g$ weights, with 1×1 convolutions before and after to
# mix information between the groups (a *bottleneck* of width
# $b = c \cdot$ `bot_mul`). Keras does the splitting itself:
# `Conv2D(filters, kernel, groups=g)` has a kernel of shape
# (3, 3, c_in/g, filters) and convolves group $i$ of the input channels into
# group $i$ of the output channels. The book's `ResNeXtBlock` takes the
# *group width* (channels per group) and passes `groups=b // group_width`.

# %%
show(cnn_blocks.resnext_block)

inputs = keras.Input(shape=(96, 96, 32))
block = keras.Model(inputs, cnn_blocks.resnext_block(inputs, 32, 16, 1))
grouped = [layer for layer in block.layers if isinstance(layer, layers.Conv2D) and layer.groups > 1][0]
print("ResNeXt block (32 channels, group width 16, bot_mul 1) on (4, 96, 96, 32) ->",
      (4,) + block.output_shape[1:])
print(f"its grouped convolution: groups={grouped.groups}, kernel {tuple(grouped.kernel.shape)}, "
      f"{grouped.count_params()} parameters instead of {9 * 32 * 32 + 32}")

# %% [markdown]
# ### Summary
#
# * A residual block adds its input to its output, so the identity is easy
#   to learn and deeper networks nest the shallower ones.
# * When a block changes the shape, the shortcut must change it too: a
#   strided 1×1 convolution. Without it `Add` refuses the shapes.
# * ResNeXt's grouped convolution is `Conv2D(groups=g)`, with g times fewer
#   weights than the full convolution.
#
# ### Exercise 8.8: a pre-activation residual block that picks its shortcut
#
# The second ResNet paper (He et al., 2016, "Identity mappings in deep
# residual networks") moves BN and ReLU in front of each convolution and
# drops the ReLU after the addition. Write
# `build_preact_residual(input_shape, channels, strides)`: a functional
# model `keras.Input(input_shape)` → BN → ReLU → `Conv2D(channels, 3,
# strides, "same")` → BN → ReLU → `Conv2D(channels, 3, "same")`, plus the
# shortcut, with nothing after the `Add`. The shortcut is the input itself
# when the shape stays the same, and `Conv2D(channels, 1,
# strides=strides)` applied to the input when the block changes the number
# of channels or the resolution. Use Keras' default BatchNormalization.

# %% tags=["exercise"] exercise="ch08.residual"
# exercise: ch08.residual
def build_preact_residual(input_shape, channels, strides):
    """BN-ReLU-conv-BN-ReLU-conv plus the right shortcut, no ReLU after the addition."""
    raise NotImplementedError("ch08.residual: write your answer here")


# %% tags=["check"]
check("ch08.residual")

# %% [markdown]
# ### Exercise 8.9: a grouped convolution by hand
#
# Write `grouped_conv2d(x, kernel, bias, groups)` with `keras.ops`, so that
# torch's autograd can differentiate it with respect to the kernel and the
# bias (the grader asks for those gradients): `x` has
# shape (N, H, W, C_in), `kernel` Keras' grouped layout (kh, kw, C_in /
# groups, C_out) and `bias` shape (C_out,). Split the input channels into
# `groups` consecutive groups and the output channels likewise; convolve
# group i of the input with its slice of the kernel (`"valid"`, stride 1)
# into group i of the output; concatenate; add the bias. This is what
# `Conv2D(C_out, (kh, kw), groups=groups)` computes. Also write
# `grouped_conv_param_count(c_in, c_out, kh, kw, groups)`, the number of
# weights and biases of that layer as an int, raising `ValueError` when
# `groups` is below 1 or does not divide both channel counts.

# %% tags=["exercise"] exercise="ch08.grouped_conv"
# exercise: ch08.grouped_conv
def grouped_conv2d(x, kernel, bias, groups):
    """Conv2D(groups=groups) computed group by group and concatenated."""
    raise NotImplementedError("ch08.grouped_conv: write your answer here")


def grouped_conv_param_count(c_in, c_out, kh, kw, groups):
    """Weights and biases of Conv2D(c_out, (kh, kw), groups=groups) on c_in channels."""
    raise NotImplementedError("ch08.grouped_conv: write your answer here")


# %% tags=["check"]
check("ch08.grouped_conv")

# %% [markdown]
# ## 8.7 Densely Connected Networks (DenseNet)
#
# ResNet splits a function into $\mathbf{x}$ plus a residual. DenseNet
# (Huang et al., 2017) keeps *every* earlier output instead: each unit of
# a *dense block* (BN, ReLU, 3×3 convolution) sees the concatenation of
# the block's input and all previous units' outputs, and adds its own
# `growth_rate` channels to it. Because the channel count keeps growing,
# *transition layers* between the blocks shrink it with a 1×1 convolution
# and halve the resolution with average pooling.

# %%
show(cnn_blocks.dense_block)
show(cnn_blocks.dense_conv_block)
show(cnn_blocks.transition_block)

inputs = keras.Input(shape=(8, 8, 3))
dense = cnn_blocks.dense_block(inputs, 2, 10)
print("dense_block(2 units, growth 10) on (4, 8, 8, 3) ->", (4,) + tuple(dense.shape[1:]))
print("transition_block(10) on that ->", (4,) + tuple(cnn_blocks.transition_block(dense, 10).shape[1:]))

# %% [markdown]
# As in the book, two units with growth rate 10 turn 3 channels into
# 3 + 2·10 = 23, and a transition to 10 channels halves 8×8 to 4×4. The
# book's DenseNet has a ResNet stem with 64 channels, four dense blocks of
# four units with growth rate 32, and transitions that halve the channels.

# %%
def densenet(input_shape=(96, 96, 1), num_classes=10, channels=64, growth_rate=32,
             arch=(4, 4, 4, 4), name="densenet"):
    inputs = keras.Input(shape=input_shape)
    x = layers.Conv2D(channels, 7, strides=2, padding="same")(inputs)
    x = layers.ReLU()(layers.BatchNormalization()(x))
    x = layers.MaxPooling2D(3, strides=2, padding="same")(x)
    for i, num_convs in enumerate(arch):
        x = cnn_blocks.dense_block(x, num_convs, growth_rate)
        channels += num_convs * growth_rate
        if i < len(arch) - 1:
            channels //= 2
            x = cnn_blocks.transition_block(x, channels)
    x = layers.ReLU()(layers.BatchNormalization()(x))
    x = layers.GlobalAveragePooling2D()(x)
    return FastModel(inputs, layers.Dense(num_classes)(x), name=name)


densenet_full = densenet()
print(f"DenseNet at 96x96x1: {densenet_full.count_params():,} parameters "
      f"(ResNet-18: {resnet18.count_params():,})")

# %% [markdown]
# Counted by Keras, this DenseNet has 764,834 parameters (6,608 of them
# moving statistics), about 15 times fewer than ResNet-18: concatenation
# reuses features instead of recomputing them, so narrow units suffice.
# We train a smaller one at 32×32 (the book: the network above at 96×96,
# learning rate 0.01).

# %% tags=["heavy"]
set_seed(7)
densenet_side = PROFILE.pick(tiny=32, default=32, full=96)
densenet_size = PROFILE.pick(tiny=dict(channels=8, growth_rate=4, arch=(1, 1, 1, 1)),
                             default=dict(channels=16, growth_rate=8, arch=(2, 2, 2, 2)),
                             full=dict(channels=64, growth_rate=32, arch=(4, 4, 4, 4)))
train_on_fashion_mnist(densenet((densenet_side, densenet_side, 1), name="densenet_small",
                                **densenet_size), 0.01)

# %% [markdown]
# ### Summary
#
# * A dense block concatenates each unit's output to its input; the
#   channels grow by the growth rate per unit.
# * Transition layers (BN, ReLU, 1×1 convolution, average pooling) keep
#   the width and resolution in check.
#
# ### Exercise 8.10: DenseNet-B units and compressing transitions
#
# The DenseNet paper's "B" variant puts a 1×1 bottleneck in each unit.
# Write `build_dense_block_b(input_shape, num_convs, growth_rate)`: a
# functional model `keras.Input(input_shape)` → a dense block of
# `num_convs` units, each unit BN → ReLU → `Conv2D(4 * growth_rate, 1)` →
# BN → ReLU → `Conv2D(growth_rate, 3, padding="same")`, whose output is
# concatenated *after* the unit's input (`Concatenate()([x, y])`). And
# `build_transition(input_shape, compression)`: BN → ReLU →
# `Conv2D(floor(compression * C), 1)` → `AveragePooling2D(2, strides=2)`,
# where C is the number of input channels. Use Keras' default
# BatchNormalization.

# %% tags=["exercise"] exercise="ch08.dense_block"
# exercise: ch08.dense_block
def build_dense_block_b(input_shape, num_convs, growth_rate):
    """A dense block of bottleneck units (1x1 to 4k channels, then 3x3 to k)."""
    raise NotImplementedError("ch08.dense_block: write your answer here")


def build_transition(input_shape, compression):
    """BN-ReLU-1x1 conv to floor(compression * C) channels, then 2x2 average pooling."""
    raise NotImplementedError("ch08.dense_block: write your answer here")


# %% tags=["check"]
check("ch08.dense_block")

# %% [markdown]
# ## 8.8 Designing Convolution Network Architectures
#
# The networks so far were each designed by hand. Radosavovic et al. (2020)
# asked instead which *families* of networks are good. Their AnyNet design
# space fixes the overall layout, a stem (a 3×3 convolution with stride 2,
# BN, ReLU), a body of stages, and a head (global average pooling, one
# dense layer), and leaves each stage $i$ four free parameters: its depth
# $d_i$ (number of ResNeXt blocks, the first of which halves the
# resolution), its width $c_i$, its group width $g_i$ and its bottleneck
# ratio $k_i$. Sampling networks from the space, training each briefly and
# comparing the distributions of their errors showed that sharing $k$ and
# $g$ across stages costs nothing, and that widths and depths should grow
# from stage to stage. The best networks' widths grow about linearly with
# the block index, $c_j \approx c_0 + c_a j$, rounded to a few stage
# widths: the *RegNet* design space. A builder for AnyNet is a function of
# those parameters:

# %%
show(cnn_blocks.anynet)

regnetx32 = cnn_blocks.anynet((96, 96, 1), 32, ((4, 32, 16, 1), (6, 80, 16, 1)), name="regnetx32")
print_shape_table(regnetx32)

# %% [markdown]
# The book's 32-layer RegNetX (stem 32, depths 4 and 6, widths 32 and 80,
# group width 16, no bottleneck) has 183,226 parameters here, moving
# statistics included. We train a narrower one at 32×32 (the book: 96×96,
# learning rate 0.05).

# %% tags=["heavy"]
set_seed(8)
regnet_side = PROFILE.pick(tiny=32, default=32, full=96)
regnet_stem, regnet_arch = PROFILE.pick(
    tiny=(8, ((1, 8, 8, 1), (1, 16, 8, 1))),
    default=(16, ((2, 16, 8, 1), (3, 40, 8, 1))),
    full=(32, ((4, 32, 16, 1), (6, 80, 16, 1))),
)
train_on_fashion_mnist(cnn_blocks.anynet((regnet_side, regnet_side, 1), regnet_stem, regnet_arch,
                                         name="regnet_small"), 0.05)

# %% [markdown]
# ### Summary
#
# * A design space is a network template with a few parameters per stage;
#   AnyNet's are depth, width, group width and bottleneck ratio.
# * Comparing error distributions of sampled networks gives design rules:
#   share the group width and bottleneck ratio, let widths and depths
#   grow. RegNet's widths grow linearly, then are rounded to stages.
# * A functional builder turns such a description into a model in a few
#   lines.
#
# ### Exercise 8.11: RegNet's quantized linear widths
#
# The RegNet paper turns the linear rule into block widths as follows: for
# blocks $j = 0, \dots, d-1$, $u_j = w_0 + w_a j$; $s_j =
# \mathrm{round}(\log(u_j / w_0) / \log w_m)$; the width is $w_0 w_m^{s_j}$
# rounded to the nearest multiple of `quantum` (round half to even, like
# `np.round`). Write `regnet_widths(depth, w0, wa, wm, quantum=8)`
# returning the list of `depth` block widths (ints), raising `ValueError`
# unless `depth >= 1`, `w0 > 0`, `wa >= 0` and `wm > 1`; and
# `regnet_stages(widths)`, the stages as a list of `(depth, width)` pairs,
# one per run of equal consecutive widths.

# %% tags=["exercise"] exercise="ch08.regnet_widths"
# exercise: ch08.regnet_widths
def regnet_widths(depth, w0, wa, wm, quantum=8):
    """RegNet's per-block widths from the quantized linear rule."""
    raise NotImplementedError("ch08.regnet_widths: write your answer here")


def regnet_stages(widths):
    """Runs of equal widths as (depth, width) stages."""
    raise NotImplementedError("ch08.regnet_widths: write your answer here")


# %% tags=["check"]
check("ch08.regnet_widths")
