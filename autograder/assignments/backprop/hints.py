"""The misconceptions the backprop checks name, with the hint a stuck student reads."""

HINTS = {
    "missing_inv_B": "the 1/B factor is missing: the loss is a mean over the batch, so "
                     "dZ2 = (softmax(Z2) - onehot(y)) / B.",
    "doubled_inv_B": "the 1/B factor is applied twice: divide by B once, in dZ2, and not again "
                     "in dW2, db2 or later.",
    "sum_reduction": "the loss is summed over the batch instead of averaged: take the mean over the B rows.",
    "off_by_one_labels": "the labels are shifted by one: y holds class indices 0..C-1, use them as they are "
                         "(probs[np.arange(B), y]).",
    "relu_derivative": "the ReLU derivative is wrong: dZ1 = dH1 * (Z1 > 0), a 0/1 mask taken from the "
                       "pre-activation Z1.",
    "transposed": "a matrix product is transposed: dW = input.T @ dZ has the shape of W, e.g. dW1 = X.T @ dZ1 "
                  "is [D, H].",
    "mutates_cache": "backward changes its inputs in place (for example `probs[range(B), y] -= 1` on the cached "
                     "probabilities): copy before you modify, so backward(cache) gives the same answer twice.",
    "naive_softmax": "softmax or cross-entropy overflows for large logits: subtract the row-wise max before "
                     "np.exp (log-sum-exp), which changes nothing mathematically.",
    "bias_mean": "a bias gradient is a mean over the batch: the 1/B is already in dZ, so db = dZ.sum(axis=0).",
    "missing_key": "the gradients dict needs all five keys \"W1\", \"b1\", \"W2\", \"b2\" and \"X\".",
    "wrong_shape": "each gradient has the shape of the tensor it belongs to (dW1 is [D, H], db1 is [H], "
                   "dX is [B, D]).",
    "probs_into_ce": "F.cross_entropy takes raw logits and applies log-softmax itself: pass Z2, not softmax(Z2).",
    "not_autograd": "the gradients must come from autograd: make float64 leaf tensors with requires_grad=True "
                    "and call loss.backward().",
    "no_zero_grad": "gradients accumulate in .grad across backward calls: call optimizer.zero_grad() every step.",
    "zeroed_between_calls": "this function must show accumulation: run n forward+backward passes without zeroing "
                            "W1.grad in between, so the result is n times one gradient.",
    "one_sided": "use central differences (f(x + eps) - f(x - eps)) / (2 eps); one-sided differences "
                 "are only accurate to O(eps).",
    "not_restored": "restore x exactly after each perturbation: save the old value and assign it back "
                    "(x[i] + eps - eps is not always x[i] in floating point).",
    "loop_over_examples": "a Python loop over the examples: use batched matrix products (X @ W1, H1.T @ dZ2) and "
                          "fancy indexing (probs[np.arange(B), y]) instead.",
    "torch_in_numpy": "Parts 1, 2 and 4 are NumPy only: compute them without torch.",
    "relerr_formula": "relative_error is max over elements of |a - b| / max(1e-8, |a| + |b|).",
    "gradcheck_misreports": "gradient_check must compare your backward with numerical_gradient of the forward "
                            "loss for each of the five tensors and report relative_error for each.",
    "zero_init": "initialise the weights with small random values (seeded); equal weights never break the "
                 "symmetry between hidden units.",
    "not_in_place": "sgd_step updates the arrays of params in place: params[k] -= lr * grads[k].",
    "no_learning": "train should reduce the loss: use forward, backward and sgd_step in a loop of iters steps, "
                   "with the learning rate lr, and return the loss of every step.",
}


HINTS |= {
    "softmax_axis": "softmax is row-wise: each row (one example) sums to 1, so normalise over axis=1 with "
                    "keepdims=True.",
    "probs_as_logits": "cross_entropy takes raw logits: apply log-softmax to them, not to probabilities.",
    "cache_incomplete": "return the activations you computed (for example Z1, H1 and softmax(Z2)) in the cache.",
    "precision": "",
    "unseeded": "make init_params deterministic: rng = np.random.default_rng(seed) and draw everything from rng.",
    "sign": "gradient descent subtracts: params[k] -= lr * grads[k].",
    "missing_dX": "backward also returns dX = dZ1 @ W1.T, the gradient with respect to the input X [B, D].",
    "stalled": "the loss went down but training stalled before separating XOR: initialise the weights with "
               "standard deviation about 1/sqrt(fan_in) (much smaller weights, like 0.01, stall), and check lr "
               "and iters.",
}
