"""The L-BFGS minimiser the training tools share (numpy only: the package has no scipy)."""
from __future__ import annotations

import numpy as np


def minimise(loss_grad, w: np.ndarray, iterations: int = 400) -> np.ndarray:
    """L-BFGS (memory 10) with a backtracking line search, from `w`; `loss_grad(w)` gives (loss, gradient)."""
    f, g = loss_grad(w)
    history: list[tuple[np.ndarray, np.ndarray]] = []
    for _ in range(iterations):
        q = g.copy()  # two-loop recursion
        alphas = []
        for s, yv in reversed(history):
            a = (s @ q) / (yv @ s)
            alphas.append(a)
            q -= a * yv
        if history:
            s, yv = history[-1]
            q *= (s @ yv) / (yv @ yv)
        for (s, yv), a in zip(history, reversed(alphas)):
            q += s * (a - (yv @ q) / (yv @ s))
        direction, step = -q, 1.0
        while True:
            w_new = w + step * direction
            f_new, g_new = loss_grad(w_new)
            if f_new <= f + 1e-4 * step * (g @ direction) or step < 1e-10:
                break
            step *= 0.5
        s, yv = w_new - w, g_new - g
        if s @ yv > 1e-10:
            history = (history + [(s, yv)])[-10:]
        converged = abs(f - f_new) < 1e-7 * max(1.0, abs(f))
        w, f, g = w_new, f_new, g_new
        if converged:
            break
    return w
