"""Who is in the demo class for this assignment: (kind, answers) per student, in a fixed order. Answers named
together are merged; a "half finished" student has the key's answer cells up to the named cell and the
released stubs after it. The demo's people are the same for every assignment."""

CORRECT = ["key", "style_base_class", "style_einsum", "style_dataclass"]
SINGLES = ["bug_bias_forgotten", "bug_transposed_dW", "bug_accumulates_dW", "bug_relu_mask_negative",
           "bug_sigmoid_prime_of_z", "bug_one_sided", "bug_ln_batch_axis", "bug_ln_dx_no_mean_term",
           "bug_same_dout", "bug_bce_on_probs", "bug_xavier_no_sqrt", "bug_xor_zero_init", "bug_flow_signed_mean",
           "bug_decays_bias", "bug_clip_per_tensor", "bug_rebinds"]
PAIRS = [("bug_bias_forgotten", "bug_ln_unbiased_var"), ("bug_relu_mask_negative", "bug_bce_sum"),
         ("bug_one_sided", "bug_decays_bias"), ("bug_sigmoid_double", "bug_clip_by_value"),
         ("bug_he_uniform", "bug_l2_no_half")]
BROKEN = ["broken_syntax", "broken_missing_method", "broken_forward_none", "broken_wrong_types", "broken_blank"]
HOSTILE = ["hostile_fake_results", "hostile_infinite_loop"]

PLAN = ([("correct", (n,)) for n in CORRECT + CORRECT[:3]]
        + [("bug", (n,)) for n in SINGLES]
        + [("two bugs", p) for p in PAIRS]
        + [("half finished", (cell,)) for cell in ("answer_layernorm", "answer_train_xor")]
        + [("broken", (n,)) for n in BROKEN]
        + [("hostile", (n,)) for n in HOSTILE]
        + [("unreadable", ("key",))])
