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
    "too_slow": "some line runs once per example (or once per unit): a Python loop over the batch in forward or "
                "backward repeats its work B times in every one of train's iterations. Use whole-batch matrix "
                "products (X @ W1, H1.T @ dZ2, dZ1 @ W1.T) and fancy indexing (probs[np.arange(B), y]) instead.",
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
    "float32": "the notebook requires float64 throughout: look for float32 somewhere (np.float32, .astype, "
               "torch.float32, or a torch tensor created without dtype=torch.float64).",
    "unstable_backward": "backward must stay finite for large logits too: take the probabilities from your stable "
                         "softmax (subtract the row max before np.exp), not from a plain np.exp(Z2) in forward or "
                         "backward.",
    "ignores_argument": "use every argument the function is given; a value written into the function instead of "
                        "the argument only works when the caller happens to pass that value.",
    "gradcheck_blind": "gradient_check must call backward (by name, when it runs) and compare what it returns "
                       "with numerical_gradient of the forward loss, so that a wrong backward shows a large error.",
    "column_index": "log_probs[:, y] picks whole columns (a [B, B] block); take one entry per row with "
                    "log_probs[np.arange(B), y].",
    "mean_over_classes": "average over the B examples only: sum the C terms of each row (only the label's term is "
                         "non-zero), then take the mean over the rows.",
    "logprob_confusion": "F.cross_entropy takes raw logits; F.nll_loss takes log-probabilities (F.log_softmax of "
                         "the logits). Feeding logits or probabilities to nll_loss computes a different loss.",
    "int32_labels": "labels may be any integer dtype (int32 too): convert them with torch.as_tensor(y, "
                    "dtype=torch.long) before F.cross_entropy.",
    "modifies_argument": "compute into new arrays and leave the arrays you are given unchanged (np.maximum(Z, 0) "
                         "rather than writing into Z; X[order] rather than X[...] = X[order]).",
    "shares_params": "torch.from_numpy shares memory with the NumPy array, so the optimizer's step writes into the "
                     "caller's params; create the leaves with torch.tensor(params[k], dtype=torch.float64) (a copy).",
    "init_scale": "draw the weights with standard deviation between 1/sqrt(fan_in + fan_out) and sqrt(2 / fan_in), "
                  "e.g. rng.normal(size=(fan_in, fan_out)) / np.sqrt(fan_in), and keep biases zero or within 0.1.",
    "loss_after_update": "record the loss that forward returns at each step, before that step's update, so "
                         "losses[0] is the loss of the initial parameters.",
    "unseeded": "make init_params deterministic: rng = np.random.default_rng(seed) and draw everything from rng.",
    "sign": "gradient descent subtracts: params[k] -= lr * grads[k].",
    "missing_dX": "backward also returns dX = dZ1 @ W1.T, the gradient with respect to the input X [B, D].",
    "stalled": "the loss went down but training stalled before separating XOR: initialise the weights with "
               "standard deviation about 1/sqrt(fan_in) (much smaller weights, like 0.01, stall), and check lr "
               "and iters.",
}


_CHAIN = ("follow the chain rule from dZ2 = (softmax(Z2) - onehot(y)) / B: dW2 = H1.T @ dZ2, db2 = dZ2.sum(0), "
          "dH1 = dZ2 @ W2.T, dZ1 = dH1 * (Z1 > 0), dW1 = X.T @ dZ1, db1 = dZ1.sum(0), dX = dZ1 @ W1.T.")

# The likely cause a check names when no modelled misconception fits what came back.
BY_CHECK = {
    "relu": "relu is np.maximum(Z, 0): keep the positive entries, zero the negative ones.",
    "softmax": "exponentiate the max-shifted logits and divide each row by its own sum (axis=1, keepdims=True).",
    "cross_entropy": "the loss is the mean over the rows of -log softmax(logits)[i, y[i]]: the row's log-sum-exp "
                     "minus the logit of its label.",
    "forward_loss": "forward's loss is cross_entropy(Z2, y) with Z1 = X @ W1 + b1, H1 = relu(Z1), Z2 = H1 @ W2 + b2.",
    "numerical_gradient": "for each entry, (f() at x[i] + eps minus f() at x[i] - eps) / (2 eps), changing x in "
                          "place and restoring it.",
    "torch_forward_backward": "build the logits as in Part 1 from float64 leaf tensors, take F.cross_entropy on the "
                              "raw logits, call loss.backward() once and read each leaf's .grad.",
    "zero_grad_accumulation": "create the leaves once, then n times: a fresh forward pass and loss.backward(), with "
                              "no zeroing; return W1.grad.",
    "train_torch": "create the leaves once; every step: opt.zero_grad(), the forward pass, F.cross_entropy on the raw "
                   "logits, loss.backward(), opt.step().",
    "init_params": "draw every array from rng = np.random.default_rng(seed), with the shapes the docstring gives.",
    "sgd_step": "params[k] -= lr * grads[k] for each of the four keys.",
    "predict": "the argmax over axis=1 of the logits Z2, one integer class per row.",
    "train_loop": "params = init_params(D, hidden, C, seed); then iters times: loss, cache = forward(X, y, params); "
                  "losses.append(loss); sgd_step(params, backward(cache), lr).",
    "train_xor": "use forward, backward and sgd_step in a loop of iters steps with the learning rate lr.",
} | {name: _CHAIN for name in ("backward_shapes", "backward_W2", "backward_b2", "backward_W1", "backward_b1",
                               "backward_X", "backward_batch_scaling", "backward_pure", "backward_vectorized",
                               "backward_stable", "gradient_check", "relative_error", "forward_cache")}
HINTS["exception"] = "run the test cell under your answer in the notebook to see the whole traceback of that line."
HINTS |= {f"wrong_value:{check}": hint for check, hint in BY_CHECK.items()}     # read by Check.say
