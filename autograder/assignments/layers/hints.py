"""The misconceptions this assignment's checks name, with the hint a stuck student reads."""

HINTS = {
    # the interface
    "missing_method": "every layer has forward(x) -> out and backward(dout) -> dx, with exactly these names.",
    "missing_attribute": "keep the parameters as self.W, self.b (self.gamma, self.beta) and store the parameter "
                         "gradients as self.dW, self.db (self.dgamma, self.dbeta) in backward.",
    "returns_none": "the method computed something but did not `return` it.",
    "not_float64": "keep everything float64 (np.asarray(x, dtype=np.float64)); float32 loses the precision the "
                   "checks compare at.",
    "mutates_input": "forward and backward must not modify their argument arrays or the parameters: compute new "
                     "arrays instead of writing into x, dout, W or b.",
    # Part 1
    "transposed": "dW has W's shape [n_in, n_out]: dW = x.T @ dout (and dx = dout @ W.T); forward is x @ W + b.",
    "bias_not_broadcast": "b [n_out] is added to every row: out = x @ W + b.",
    "bias_mean": "1/B is already in dout; db = dout.sum(axis=0).",
    "db_keepdims": "db has b's shape [n_out]; drop keepdims.",
    "dx_missing": "backward returns dx = dout @ W.T (the gradient for the layer's input), and stores dW and db "
                  "on the object.",
    "accumulates_dW": "this notebook's layers overwrite dW each backward (self.dW = ..., not +=); torch's .grad "
                      "accumulates instead (written answer 4).",
    "shared_cache": "layer A's gradients were computed from layer B's input: keep the cache on self (an "
                    "instance attribute set in forward), not on the class or in a global.",
    "relu_derivative": "the ReLU derivative is a 0/1 mask taken from the layer's own input z (z > 0) or output "
                       "(a > 0): dz = dout * (z > 0). Not the output's value, not a mask of dout.",
    "mutates_upstream": "your backward changed dout in place (e.g. dx = dout; dx[z <= 0] = 0 writes into the "
                        "caller's array): compute dout * mask, or copy first.",
    "sigmoid_overflow": "np.exp(-z) overflows for z far below 0: use the stable form (np.exp(-|z|), one branch "
                        "per sign), or clip z to [-500, 500] before exp.",
    "sigmoid_prime_of_z": "a * (1 - a) takes the sigmoid's OUTPUT a = sigmoid(z); you applied it to the input z.",
    "sigmoid_double": "the cache already holds a = sigmoid(z); don't apply sigmoid twice: dz = dout * a * (1 - a).",
    "sigmoid_exp_form_nan": "exp(-z) / (1 + exp(-z))**2 is inf/inf = NaN for saturated inputs; compute "
                            "sigma' = a * (1 - a) from the cached output.",
    "sigmoid_missing_dout": "chain rule: multiply the local derivative a * (1 - a) by dout.",
    # Part 2
    "ignores_df": "weight the output differences by df: grad[i] = sum((f(x + h e_i) - f(x - h e_i)) * df) / (2h).",
    "no_copy": "the gradient is exactly 0: f returns the same buffer each call, so copy f's output "
               "(f(x).copy()) before calling f again.",
    "one_sided": "use central differences (f(x + h) - f(x - h)) / (2h); one-sided differences are only "
                 "accurate to O(h).",
    "not_restored": "restore x exactly after each perturbation: save the old value and assign it back.",
    "uniform_upstream": "a planted layer whose backward ignores the values of dout passed your check: an "
                        "all-ones upstream hides such bugs (and cancels in normalisation layers); draw dout from "
                        "rng.",
    "gradcheck_misreports": "check_layer runs forward, then backward with a random dout, and compares each "
                            "analytic gradient with numerical_gradient_array of the layer's forward (with the "
                            "same dout), reporting relative_error per array.",
    "missing_param_key": "report one entry per array: \"x\", and every parameter the layer has (Linear: \"W\", "
                         "\"b\"; LayerNorm: \"gamma\", \"beta\"), found by duck typing (hasattr), not isinstance.",
    # Part 3
    "ln_unbiased_var": "LayerNorm uses the biased variance (divide by D: x.var(axis=1), ddof=0).",
    "ln_batch_axis": "normalise each ROW over its D features (axis=1, keepdims=True), not each feature over the "
                     "batch (that is BatchNorm).",
    "ln_eps_outside_sqrt": "eps goes inside the square root: sqrt(var + eps).",
    "ln_no_affine": "out = gamma * xhat + beta: apply the scale and shift after normalising.",
    "ln_dx_naive": "mu and var depend on x: dx has two more terms than dout * gamma / sigma (the mean term and "
                   "the variance term).",
    "ln_dx_missing_mean_term": "the mean term is missing: subtract the row mean of dxhat.",
    "ln_dx_missing_var_term": "the variance term is missing: subtract xhat * mean(dxhat * xhat) per row.",
    "ln_dx_no_gamma": "dxhat = dout * gamma: the scale gamma multiplies the normalised value, so it multiplies "
                      "its gradient too.",
    "ln_dgamma_axis": "dgamma has gamma's shape [D]: sum dout * xhat over the batch (axis=0).",
    "ln_dgamma_uses_x": "dgamma = sum over the batch of dout * xhat (the normalised input), not dout * x.",
    "ln_dgamma_dbeta_swapped": "dgamma = sum(dout * xhat, axis=0) and dbeta = sum(dout, axis=0): they are swapped.",
    "mutates_cache": "backward changed what forward cached (or the parameters): calling backward twice must give "
                     "the same answer; copy before you modify an array in place.",
    # Part 4
    "bce_extra_sigmoid_prime": "sigmoid + BCE simplifies to dz = (sigmoid(z) - y) / B: the sigma' factor cancels "
                               "against the derivative of the log.",
    "missing_inv_B": "the loss is a mean over the batch: dz = (sigmoid(z) - y) / B.",
    "sum_reduction": "the loss is a mean over the batch, not a sum.",
    "bce_unstable": "log(sigmoid(z)) overflows to -inf/NaN for large |z|; use the stable form "
                    "max(z, 0) - z * y + log1p(exp(-|z|)).",
    "bce_eps_clamp": "log(a + 1e-8) caps the loss at -log(1e-8) = 18.42 where it should be 1000: use the "
                     "log1p(exp(-|z|)) form on the logits.",
    "bce_on_probs": "bce_with_logits takes logits z: apply sigmoid inside, not before calling it.",
    "reverse_order_missing": "backward must visit the layers last to first (reversed(self.layers)).",
    "same_dout_every_layer": "feed each layer the dx returned by the layer after it: dout = layer.backward(dout).",
    "returns_last_dx_wrong": "Sequential.backward returns the dx of the FIRST layer (the gradient for the "
                             "network's input).",
    "collapse_bias": "b = (b1 @ W2 + b2) @ W3 + b3 ...: earlier biases pass through the later weights.",
    "collapse_order": "x @ W1 @ W2 = x @ (W1 @ W2): multiply the weights in layer order.",
    "stalled_plateau": "loss ln 2 = 0.6931: the network predicts 0.5 everywhere. Check the init (xavier_uniform "
                       "for every weight), and sigma' (written answer 2).",
    "too_slow": "each of train_xor's steps should cost one forward and one backward through whole arrays: look for "
                "work done at every step that could be done once or not at all (a plot, an evaluation on a grid), "
                "a Python loop over the entries of an array, or gradients estimated by finite differences instead "
                "of the layers' backward.",
    "no_learning": "train_xor should lower the loss: forward, bce_with_logits, backward, then W -= lr * dW and "
                   "b -= lr * db for every Linear, steps times, recording each loss before its update.",
    "not_transposed": "nn.Linear.weight is [out, in]; transpose it to this notebook's W [in, out].",
    "bce_on_logits_vs_probs": "the torch model ends in nn.Sigmoid, so its output is a probability: use "
                              "nn.BCELoss, not BCEWithLogitsLoss, on it.",
    "xavier_normal": "xavier_uniform draws from the uniform U(-a, a), a = sqrt(6 / (fan_in + fan_out)).",
    "xavier_no_sqrt": "the bound is a = sqrt(6 / (fan_in + fan_out)), the square root of 6 / (fan_in + fan_out).",
    "xavier_fan_in_only": "the Xavier bound uses both fans: sqrt(6 / (fan_in + fan_out)).",
    "fan_swap": "the weight matrix is [fan_in, fan_out] (W maps n_in to n_out).",
    "he_fan_out": "He: variance 2 / fan_in (the number of inputs of the layer), not 2 / fan_out.",
    "he_std_not_sqrt": "He: the STANDARD DEVIATION is sqrt(2 / fan_in); 2 / fan_in is the variance.",
    "lecun": "He (for ReLU) uses variance 2 / fan_in; 1 / fan_in is LeCun's.",
    "uniform_not_normal": "he_normal draws from a normal distribution (rng.normal), not a uniform one.",
    "unseeded": "draw everything from the rng you are given, so the same rng state gives the same weights.",
    # Part 5
    "init_ignored": "make_deep_net draws each weight from the init it is told (xavier, he or torch_default).",
    "missing_output_layer": "after the depth x [Linear, act] blocks comes a last Linear(width, 1), with no "
                            "activation after it.",
    "act_swapped": "make_deep_net's act names the activation: \"sigmoid\" -> Sigmoid(), \"relu\" -> ReLU(), a "
                   "new object after every hidden Linear.",
    "init_scale_wrong": "check the scale of each init: torch_default is U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for W "
                        "and b, he is N(0, 2 / fan_in).",
    "signed_mean": "signed means cancel to about 0: take the absolute value first, mean(|dW|).",
    "norm_not_mean": "mean_abs is the mean of |dW| over its entries, not a norm.",
    "param_not_grad": "these are the weights' magnitudes, not their gradients: use dW (p.grad).",
    "order_reversed": "one entry per Linear, input side first.",
    "none_grad_crash": "a parameter that took no part in the loss has p.grad None: report it with None means, "
                       "don't crash.",
    "has_nan_wrong": "has_nan is bool(torch.isnan(p.grad).any()) (False when p.grad is None).",
    # Part 6
    "l2_no_half": "the penalty is lam/2 * ||W||^2, so that its gradient is lam * W.",
    "l2_norm_not_squared": "the penalty uses the SQUARED Frobenius norm: sum of W ** 2.",
    "l2_over_B": "this notebook's penalty has no 1/B (DLS writes lam/(2m); here it is lam/2 * ||W||^2).",
    "l2_grad_half": "d/dW of lam/2 * ||W||^2 is lam * W.",
    "decays_bias": "only weights are decayed here: db is left as it is.",
    "not_in_place": "update the arrays you were given in place (g *= factor, layer.dW += ...), so the caller "
                    "sees the change.",
    "clip_per_tensor": "the norm is over all gradients together, as one vector: total = sqrt(sum of all squares).",
    "clip_scales_up": "only scale down: the factor is min(1, max_norm / (total + 1e-6)).",
    "clip_by_value": "that is clip_grad_value_: clip the norm, keep the direction (multiply every array by the "
                     "same factor).",
    "returns_post_norm": "return the total norm before clipping (for logging).",
    # Part 7
    "saved_output_vs_input": "relu and sigmoid save their OUTPUT; mul saves its INPUTS; add saves nothing. "
                             "backward raises only if a saved tensor was modified.",
    "leaf_inplace": "an in-place op on a leaf that requires grad raises at once; under torch.no_grad() it is "
                    "allowed (that is how optimisers update).",
    "detached": "x.grad is None or 0: .detach() cuts the graph. Use the out-of-place a = a * 2.",
    "still_inplace": "a saved tensor is still modified in place: write a = a * 2 (a new tensor), not a *= 2.",
    "rebinds": "the caller's tensors did not change: `p = p - lr * p.grad` rebinds a local name; update in place "
               "(p -= lr * p.grad) under torch.no_grad().",
    "no_grad_missing": "an in-place op on a leaf that requires grad is refused outside torch.no_grad().",
    "uses_data_and_forgets_zero": "after the update clear the gradient (p.grad = None), or the next backward adds "
                                  "to it.",
}
