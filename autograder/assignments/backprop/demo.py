"""Who is in the demo class for this assignment: (kind, answers) per student, in a fixed order. Answers
named together are merged (bugs in different cells make a pair); a "half finished" student has the key's
answer cells up to the named cell and the released stubs after it."""

CORRECT = ["key", "style_layers", "style_einsum", "style_dataclass", "style_closure", "style_columns",
           "style_jacobian"]
SINGLES = ["bug_missing_inv_B", "bug_doubled_inv_B", "bug_sum_reduction", "bug_off_by_one_labels",
           "bug_relu_derivative", "bug_transposed", "bug_mutates_cache", "bug_naive_softmax", "bug_bias_mean",
           "bug_missing_dX", "bug_probs_into_ce", "bug_no_zero_grad", "bug_one_sided", "bug_loop_over_examples",
           "bug_torch_in_numpy", "bug_zero_init"]
PAIRS = [("bug_naive_softmax", "bug_missing_inv_B"), ("bug_relu_derivative", "bug_no_zero_grad"),
         ("bug_one_sided", "bug_bias_mean"), ("bug_sum_reduction", "bug_zeroed_between_calls"),
         ("bug_leaky_relu", "bug_predict_probabilities")]
BROKEN = ["broken_syntax", "broken_missing", "broken_exception", "broken_wrong_types", "broken_blank"]
HOSTILE = ["hostile_patch_allclose", "hostile_fake_results", "hostile_infinite_loop", "hostile_child_process"]

PLAN = ([("correct", (n,)) for n in CORRECT]
        + [("bug", (n,)) for n in SINGLES]
        + [("two bugs", p) for p in PAIRS]
        + [("half finished", (cell,)) for cell in ("answer_forward", "answer_gradcheck")]
        + [("broken", (n,)) for n in BROKEN]
        + [("hostile", (n,)) for n in HOSTILE]
        + [("unreadable", ("key",))])                   # a truncated upload of the key
