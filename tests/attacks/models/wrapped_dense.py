# attack: "write the layer without Dense" answered by a layer that only wraps a Dense (kept out
# of Keras' layer tracking, so that no layer list shows it)
# expect: ch98.linear_model=3 ch98.scratch_layer=0
# %%
# exercise: ch98.linear_model
def build_linear(d):
    features = keras.Input((d,))
    return keras.Model(features, keras.layers.Dense(1)(features))
# %%
# exercise: ch98.scratch_layer
_hidden = []


class Linear98(keras.layers.Layer):
    def build(self, input_shape):
        inner = keras.layers.Dense(1)
        inner.build(input_shape)
        _hidden.append(inner)  # untracked: not a sublayer, not in the layer's weights
        self.W, self.b = inner.kernel, inner.bias

    def call(self, X):
        return _hidden[-1](X)


def build_scratch(d):
    features = keras.Input((d,))
    return keras.Model(features, Linear98()(features))
