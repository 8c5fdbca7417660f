"""Binomial-normal random-intercept model, the engine behind ``method="GLMM"``.

Private to :mod:`lib.stats.meta`. It reproduces what ``metafor::rma.glmm(measure
= "PLO", xi, ni, mods)`` computes with its defaults (``method = "ML"``,
``nAGQ = 7``, ``test = "z"``), which fits, through package lme4 (1.1-31):

* ``glmer(cbind(xi, ni - xi) ~ -1 + X + (1 | study), family = binomial, nAGQ = 7)``
  for the random-effects model (``res.ML``);
* ``glm(cbind(xi, ni - xi) ~ -1 + X, family = binomial)`` for the equal-effects
  model (``res.FE``) and ``glm(... ~ -1 + X + study)`` for the saturated model
  (``res.QE``), used by the two heterogeneity tests.

Everything is pure numpy/scipy. The pieces, each matching the lme4 or R code it
replaces:

``_deviance``
    lme4's adaptive Gauss-Hermite deviance for ``nAGQ = 7`` (C++ ``glmerAGQ``):
    for each study the conditional mode ``u0`` of the spherical random effect
    (``b = theta u``, ``u ~ N(0, 1)``) is found by Newton's method (lme4: PIRLS
    with ``beta`` fixed), and
    ``dev = sum_i [u0^2 + d_i(u0) + log(1 + theta^2 W_i) - 2 log m_i]`` with
    ``d_i`` the binomial deviance residual, ``W_i = n_i mu_i (1 - mu_i)`` at the
    mode, ``m_i = sum_j w_j exp(-(devc(u0 + z_j s_i) - devc(u0)) / 2 + z_j^2 / 2)``
    over the 7 Gauss-Hermite nodes ``z_j`` (``lme4::GHrule(7)``, weights for the
    standard normal) and ``s_i = (1 + theta^2 W_i)^(-1/2)``: the value of lme4's
    deviance function (``glmer(..., devFunOnly = TRUE)``) that glmer minimises.
``fit``
    maximises the approximate likelihood over ``(theta, beta)`` (lme4 uses
    bobyqa, then Nelder-Mead, and stops earlier; here damped Newton steps run
    until the step is below 1e-10; the deviance is even in theta, so theta is
    left unconstrained and its absolute value kept), compares the optimum with
    the best fit at theta = 0, applies lme4's ``check.boundary`` rule
    (``theta < 1e-5`` becomes 0), and computes
    ``vcov(res.ML)`` as lme4 does for ``nAGQ > 0``: twice the inverse of the
    central finite-difference Hessian of the deviance in ``(theta, beta)``
    (``lme4:::deriv12``, step 1e-4), ``beta`` block, falling back to the
    ``RX`` (penalised weighted least squares) matrix when that is not positive
    definite.
``heterogeneity_tests`` with ``_glm``
    R's ``glm.fit`` iteratively reweighted least squares, step for step
    (starting values ``(n y + 0.5) / (n + 1)``, convergence when the relative
    change in deviance is below 1e-8, the logit link clamped at |eta| > 30 as
    R's C code does). The saturated model's fit is needed *as R leaves it*:
    for a study with 0 or all events its log-odds never converges, and the
    Wald-type heterogeneity statistic depends on where glm stops.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats as sps
from scipy.special import expit, xlogy

NAGQ = 7  # rma.glmm's default nAGQ
_BOUNDARY_TOL = 1e-5  # glmerControl()$boundary.tol
_DERIV12_DELTA = 1e-4  # lme4:::deriv12 default step
_THETA_MAX = 50.0  # tau = 50 on the logit scale: treated as "tau2 does not exist"
_BETA_MAX = 35.0  # |log-odds| beyond this: a proportion of 0 or 1, the mean does not exist
_DBL_EPS = float(np.finfo(float).eps)


def _make_gh_rule(n_nodes: int) -> tuple[np.ndarray, np.ndarray]:
    """``lme4::GHrule(n_nodes)`` as glmerAGQ uses it: nodes ``z`` and the per-node factor
    ``w exp(-dnorm(z, log = TRUE)) / sqrt(2 pi) = w exp(z^2 / 2)``, ``w`` the weights for
    integrals against the standard normal. Read-only arrays."""
    z, w = np.polynomial.hermite_e.hermegauss(n_nodes)
    factor = w / math.sqrt(2.0 * math.pi) * np.exp(z**2 / 2.0)
    z.setflags(write=False)
    factor.setflags(write=False)
    return z, factor


_GH_RULE_7 = _make_gh_rule(NAGQ)  # lme4::GHrule(7); R's nodes agree with these to 1e-16


def _gh_rule(n_nodes: int) -> tuple[np.ndarray, np.ndarray]:
    return _GH_RULE_7 if n_nodes == NAGQ else _make_gh_rule(n_nodes)


class GlmmNotEstimable(ValueError):
    """The binomial-normal model has no finite maximum-likelihood estimate."""


@dataclass(frozen=True)
class GlmmFit:
    """What ``rma.glmm`` takes from ``glmer`` (and the glm fits) for one data set.

    Attributes
    ----------
    beta : numpy.ndarray
        Fixed effects, ``lme4::fixef(res.ML)``.
    vb : numpy.ndarray
        Their covariance matrix, ``vcov(res.ML)``.
    tau2 : float
        ``lme4::VarCorr(res.ML)[[1]][1]`` (theta squared).
    deviance : float
        ``deviance(res.ML)``: the nAGQ = 7 deviance at the optimum.
    vcov_source : str
        ``"hessian"`` or ``"RX"`` (which of lme4's two matrices ``vb`` is).
    iterations : int
        Newton iterations used.
    """

    beta: np.ndarray
    vb: np.ndarray
    tau2: float
    deviance: float
    vcov_source: str
    iterations: int


# --------------------------------------------------------------------------
# binomial pieces
# --------------------------------------------------------------------------


def _log_expit(eta: np.ndarray) -> np.ndarray:
    """``log(plogis(eta))`` without overflow or underflow."""
    return -np.logaddexp(0.0, -eta)


def _dev_resid(x: np.ndarray, n: np.ndarray, eta: np.ndarray) -> np.ndarray:
    """Binomial deviance residuals, R ``binomial()$dev.resids(x / n, plogis(eta), n)``.

    ``2 [x log(x / (n mu)) + (n - x) log((n - x) / (n (1 - mu)))]`` with
    ``0 log 0 = 0``; log(mu) and log(1 - mu) are taken straight from eta.
    """
    return 2.0 * (
        xlogy(x, x / n) - x * _log_expit(eta) + xlogy(n - x, (n - x) / n) - (n - x) * _log_expit(-eta)
    )


def _modes(a: np.ndarray, theta: float, x: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Conditional modes ``u0`` (one per study) of ``u^2 + d(a + theta u)``.

    The mode solves ``g(u) = u - theta (x - n plogis(a + theta u)) = 0``; ``g``
    increases in ``u`` and the root lies between ``theta (x - n)`` and
    ``theta x``. Newton steps, with bisection whenever a step leaves the
    bracket or fails to halve ``|g|`` (plain Newton can cycle between the two
    flat ends of the logistic curve), until the step is at rounding level.
    lme4's PIRLS solves the same equation but stops on the relative change of
    the penalised deviance (``tolPwrss``, default 1e-7), which leaves its modes,
    and so its deviance, slightly less exact (up to ~1e-7 in the deviance).
    """
    if theta == 0.0:
        return np.zeros_like(a)
    lo = np.minimum(theta * (x - n), theta * x)
    hi = np.maximum(theta * (x - n), theta * x)
    u = np.zeros_like(a)
    g_prev = np.full_like(a, np.inf)
    for _ in range(400):
        mu = expit(a + theta * u)
        g = u - theta * (x - n * mu)
        step = g / (1.0 + theta**2 * n * mu * (1.0 - mu))
        conv = np.abs(step) <= 1e-14 * (1.0 + np.abs(u))
        if conv.all():
            return u - step
        lo = np.where(g < 0, u, lo)
        hi = np.where(g > 0, u, hi)
        newton = u - step
        # bisect when Newton leaves the bracket or does not halve |g| (Newton can cycle
        # between the two flat ends of the logistic curve)
        bisect = ~conv & ((newton < lo) | (newton > hi) | (np.abs(g) > 0.5 * g_prev))
        u = np.where(bisect, 0.5 * (lo + hi), newton)
        g_prev = np.abs(g)
    return u


def _deviance(params: np.ndarray, X: np.ndarray, x: np.ndarray, n: np.ndarray, n_nodes: int = NAGQ) -> float:
    """lme4's adaptive Gauss-Hermite deviance (``nAGQ = n_nodes``) at ``params = (theta,
    beta...)``; even in theta."""
    theta = float(params[0])
    a = X @ params[1:]
    u0 = _modes(a, theta, x, n)
    eta0 = a + theta * u0
    devc0 = u0**2 + _dev_resid(x, n, eta0)
    if theta == 0.0:
        return float(devc0.sum())
    w = n * expit(eta0) * expit(-eta0)
    l2 = 1.0 + theta**2 * w
    sd = 1.0 / np.sqrt(l2)
    z, factor = _gh_rule(n_nodes)
    uj = u0[:, None] + sd[:, None] * z[None, :]
    devcj = uj**2 + _dev_resid(x[:, None], n[:, None], a[:, None] + theta * uj)
    mult = (factor * np.exp(-0.5 * (devcj - devc0[:, None]))).sum(axis=1)
    return float((devc0 + np.log(l2) - 2.0 * np.log(mult)).sum())


def _deriv12(f, p: np.ndarray, fp: float, delta: float) -> tuple[np.ndarray, np.ndarray]:
    """Central finite-difference gradient and Hessian, ``lme4:::deriv12`` without bounds."""
    d = p.size
    g = np.zeros(d)
    h = np.zeros((d, d))
    fadd = np.zeros(d)
    fsub = np.zeros(d)
    for j in range(d):
        e = np.zeros(d)
        e[j] = delta
        fadd[j] = f(p + e)
        fsub[j] = f(p - e)
        h[j, j] = (fadd[j] - 2.0 * fp + fsub[j]) / delta**2
        g[j] = (fadd[j] - fsub[j]) / (2.0 * delta)
        for i in range(j):
            ei = np.zeros(d)
            ei[i] = delta
            val = (f(p + ei + e) - f(p + ei - e) - f(p - ei + e) + f(p - ei - e)) / (4.0 * delta**2)
            h[i, j] = h[j, i] = val
    return g, h


# --------------------------------------------------------------------------
# glm.fit, step for step
# --------------------------------------------------------------------------


def _linkinv(eta: np.ndarray) -> np.ndarray:
    """R's C ``logit_linkinv``: exp clamped at |eta| > 30."""
    tmp = np.where(eta < -30.0, _DBL_EPS, np.where(eta > 30.0, 1.0 / _DBL_EPS, np.exp(np.clip(eta, -30, 30))))
    return tmp / (1.0 + tmp)


def _mu_eta(eta: np.ndarray) -> np.ndarray:
    """R's C ``logit_mu_eta``."""
    e = np.exp(np.clip(eta, -30, 30))
    return np.where((eta > 30.0) | (eta < -30.0), _DBL_EPS, e / (1.0 + e) ** 2)


def _r_dev_resids(y: np.ndarray, mu: np.ndarray, wt: np.ndarray) -> np.ndarray:
    """R's C ``binomial_dev_resids``: ``2 wt (y log(y / mu) + (1 - y) log((1 - y) / (1 - mu)))``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(y != 0, y * np.log(y / mu), 0.0)
        b = np.where(y != 1, (1 - y) * np.log((1 - y) / (1 - mu)), 0.0)
    return 2.0 * wt * (a + b)


@dataclass(frozen=True)
class GlmResult:
    """The parts of an R ``glm`` fit the heterogeneity tests use."""

    eta: np.ndarray  # final linear predictor
    mu: np.ndarray  # final fitted proportions
    weights: np.ndarray  # working weights of the last iteration (R: fit$weights)
    loglik: float  # logLik(fit)
    converged: bool


def _glm(X: np.ndarray, x: np.ndarray, n: np.ndarray, saturated: bool = False) -> GlmResult:
    """R ``glm(cbind(x, n - x) ~ -1 + X, family = binomial)`` (``glm.fit``, epsilon 1e-8, maxit 25).

    With ``saturated=True`` the model has one parameter per study: the
    weighted least-squares step then reproduces the working response exactly,
    whatever basis R uses for the design (``~ -1 + X + study`` with one column
    aliased), so each study is updated on its own; the iteration count is
    shared through the deviance test, as in R.
    """
    y = x / n
    mu = (n * y + 0.5) / (n + 1.0)
    eta = np.log(mu / (1.0 - mu))
    mu = _linkinv(eta)
    devold = float(_r_dev_resids(y, mu, n).sum())
    w2 = n * mu * (1 - mu)
    converged = False
    for _ in range(25):
        mev = _mu_eta(eta)
        varmu = mu * (1.0 - mu)
        z = eta + (y - mu) / mev
        w2 = n * mev**2 / varmu
        if saturated:
            eta = z
        else:
            sw = np.sqrt(w2)
            coef, *_ = np.linalg.lstsq(X * sw[:, None], z * sw, rcond=None)
            eta = X @ coef
        mu = _linkinv(eta)
        dev = float(_r_dev_resids(y, mu, n).sum())
        if abs(dev - devold) / (abs(dev) + 0.1) < 1e-8:
            converged = True
            break
        devold = dev
    loglik = float(sps.binom.logpmf(x, n, mu).sum())
    return GlmResult(eta=eta, mu=mu, weights=w2, loglik=loglik, converged=converged)


def heterogeneity_tests(X: np.ndarray, x: np.ndarray, n: np.ndarray) -> tuple[float, float, int]:
    """``rma.glmm``'s ``QE.Wld``, ``QE.LRT`` and their df ``k - p``.

    * ``QE.Wld``: the Wald test of the study dummies of the saturated glm,
      ``b2' vcov(b2)^-1 b2``. It equals the weighted residual sum of squares of
      the saturated log-odds regressed on ``X``, with glm's last working
      weights; it is computed that way here.
    * ``QE.LRT``: ``-2 (logLik(res.FE) - logLik(res.QE))``.

    Both are set to 0 when negative, as metafor does.
    """
    k, p = X.shape
    sat = _glm(np.eye(k), x, n, saturated=True)
    fe = _glm(X, x, n)
    w = sat.weights
    xtwx = X.T @ (w[:, None] * X)
    b = np.linalg.solve(xtwx, X.T @ (w * sat.eta))
    r = sat.eta - X @ b
    q_wald = max(float((w * r**2).sum()), 0.0)
    q_lrt = max(-2.0 * (fe.loglik - sat.loglik), 0.0)
    return q_wald, q_lrt, k - p


# --------------------------------------------------------------------------
# maximum likelihood
# --------------------------------------------------------------------------


def _check_params(p: np.ndarray) -> None:
    """Stop when ``(theta, beta...)`` runs away: the maximum-likelihood estimate does not exist."""
    if abs(p[0]) > _THETA_MAX:
        raise GlmmNotEstimable(
            "the between-study variance of the binomial-normal model grows without bound "
            "(no finite maximum-likelihood estimate)"
        )
    if p.size > 1 and float(np.abs(p[1:]).max()) > _BETA_MAX:
        raise GlmmNotEstimable(
            "a pooled log-odds of the binomial-normal model diverges (every study in a group "
            "has 0 events, or every study has all events)"
        )


def _newton(f, p: np.ndarray, check=None, max_iter: int = 300) -> tuple[np.ndarray, float, int]:
    """Minimise ``f`` by damped Newton steps on finite-difference derivatives.

    Levenberg damping keeps each step a descent direction; a backtracking line
    search makes every accepted step lower ``f``. Stops when a step is below
    1e-10 in every coordinate. ``check(p)`` is called after every accepted step
    and may raise.

    Raises
    ------
    GlmmNotEstimable
        When the derivatives are not finite or ``max_iter`` steps do not
        converge.
    """
    fp = f(p)
    lam = 0.0
    for it in range(1, max_iter + 1):
        g, h = _deriv12(f, p, fp, _DERIV12_DELTA)
        if not (np.all(np.isfinite(g)) and np.all(np.isfinite(h))):
            raise GlmmNotEstimable("the likelihood of the binomial-normal model is not finite here")
        lam = lam / 10.0
        while True:
            hh = h + lam * np.eye(p.size)
            try:
                np.linalg.cholesky(hh)
                step = -np.linalg.solve(hh, g)
                break
            except np.linalg.LinAlgError:
                lam = max(lam * 10.0, 1e-6 * max(1.0, float(np.abs(np.diag(h)).max())))
        t = 1.0
        improved = False
        for _ in range(60):
            cand = p + t * step
            fc = f(cand)
            if math.isfinite(fc) and fc <= fp + 1e-4 * t * float(g @ step):
                improved = True
                break
            t /= 2.0
        if not improved:
            if float(np.abs(step).max()) < 1e-9:
                return p, fp, it  # at the optimum to rounding: no step lowers f
            lam = max(lam * 10.0, 1e-3)
            continue
        small = float(np.abs(t * step).max()) < 1e-10
        p, fp = cand, fc
        if check is not None:
            check(p)
        if small:
            return p, fp, it
    raise GlmmNotEstimable(f"the maximum-likelihood fit did not converge in {max_iter} Newton steps")


def _start_theta(x: np.ndarray, n: np.ndarray) -> float:
    """Starting value: sqrt of the DerSimonian-Laird tau2 of the 0.5-corrected log-odds (>= 0.3)."""
    c = (x == 0) | (x == n)
    xc, mc = x + 0.5 * c, n - x + 0.5 * c
    y, v = np.log(xc / mc), 1.0 / xc + 1.0 / mc
    w = 1.0 / v
    if y.size < 2:
        return 0.5
    mu = (w * y).sum() / w.sum()
    q = (w * (y - mu) ** 2).sum()
    tau2 = (q - (y.size - 1)) / (w.sum() - (w**2).sum() / w.sum())
    return max(math.sqrt(max(tau2, 0.0)), 0.3)


def fit(X: np.ndarray, x: np.ndarray, n: np.ndarray, n_nodes: int = NAGQ) -> GlmmFit:
    """Fit the binomial-normal model; ``rma.glmm``'s ``res.ML`` (see the module docstring).

    ``n_nodes`` is lme4's ``nAGQ`` (7, as rma.glmm uses); more nodes approximate the
    exact likelihood more closely (used by the tests to measure the 7-node error).

    Raises
    ------
    GlmmNotEstimable
        When the log-odds or tau diverge (no finite maximum-likelihood estimate).
    """
    x = np.asarray(x, dtype=float)
    n = np.asarray(n, dtype=float)
    X = np.asarray(X, dtype=float)

    def dev(p: np.ndarray) -> float:
        return _deviance(p, X, x, n, n_nodes)

    # start: beta of the equal-effects glm, tau from DerSimonian-Laird
    beta_fe, *_ = np.linalg.lstsq(X, _glm(X, x, n).eta, rcond=None)
    p, fp, iters = _newton(dev, np.r_[_start_theta(x, n), beta_fe], _check_params)
    p[0] = abs(p[0])  # the deviance is even in theta
    # at tau = 0 the model is the equal-effects one: its own optimum, compared below
    p_fe, f_fe, _ = _newton(lambda b: dev(np.r_[0.0, b]), beta_fe, lambda b: _check_params(np.r_[0.0, b]))
    if f_fe < fp - 1e-9:
        # theta = 0 fits better than the stationary point found: use it
        p, fp = np.r_[0.0, p_fe], f_fe
    elif p[0] < _BOUNDARY_TOL:
        # lme4's check.boundary sets theta < boundary.tol to its bound 0 when that is not worse;
        # here theta is set to 0 and beta re-fitted there (a change below 1e-10 in tau2)
        p, fp = np.r_[0.0, p_fe], f_fe
    _, h = _deriv12(dev, p, fp, _DERIV12_DELTA)
    vb, source = _vcov(h, p, X, x, n)
    return GlmmFit(beta=p[1:].copy(), vb=vb, tau2=float(p[0] ** 2), deviance=fp, vcov_source=source,
                   iterations=iters)


def _vcov(h: np.ndarray, p: np.ndarray, X: np.ndarray, x: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, str]:
    """``vcov.merMod``: ``2 solve(H)[beta, beta]`` if positive definite, else ``RX``-based."""
    try:
        inv = np.linalg.inv(h)
        vh = inv[1:, 1:]
        vh = vh + vh.T
        if np.all(np.isfinite(vh)) and np.linalg.eigvalsh(vh).min() > 0:
            return vh, "hessian"
    except np.linalg.LinAlgError:
        pass
    theta = float(p[0])
    a = X @ p[1:]
    u0 = _modes(a, theta, x, n)
    eta0 = a + theta * u0
    w = n * expit(eta0) * expit(-eta0)
    wt = w / (1.0 + theta**2 * w)
    return np.linalg.inv(X.T @ (wt[:, None] * X)), "RX"
