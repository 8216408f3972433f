"""Seeded bug: gradient_flow_table takes the signed mean.
fails: gradient_flow_table signed_mean
"""

# %% answer_flow_table
def gradient_flow_table(model):
    """For each (name, p) in model.named_parameters(): {"name", "mean_abs", "max_abs", "has_nan"} of p.grad
    (Python floats and a bool), or None means and has_nan False when p.grad is None."""
    rows = []
    for name, p in model.named_parameters():
        if p.grad is None:
            rows.append({"name": name, "mean_abs": None, "max_abs": None, "has_nan": False})
            continue
        g = p.grad.detach().abs()
        rows.append({"name": name, "mean_abs": p.grad.mean().item(), "max_abs": g.max().item(),
                     "has_nan": bool(torch.isnan(g).any())})
    return rows
