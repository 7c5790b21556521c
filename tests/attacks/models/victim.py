# attack: none -- the honest classmate (model exercises)
# expect: ch98.linear_model=3 ch98.scratch_layer=3
# %%
# exercise: ch98.linear_model
def build_linear(d):
    features = keras.Input((d,))
    return keras.Model(features, keras.layers.Dense(1)(features))
# %%
# exercise: ch98.scratch_layer
class Linear98(keras.layers.Layer):
    def build(self, input_shape):
        self.W = self.add_weight(shape=(input_shape[-1], 1), initializer="random_normal")
        self.b = self.add_weight(shape=(1,), initializer="zeros")

    def call(self, X):
        return ops.matmul(X, self.W) + self.b


def build_scratch(d):
    features = keras.Input((d,))
    return keras.Model(features, Linear98()(features))
