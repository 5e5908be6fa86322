import Foundation

/// Per-pixel binary cross-entropy on logits, as PyTorch's
/// `F.binary_cross_entropy_with_logits(x, t, reduction: "mean")`:
/// loss = mean over elements of max(x, 0) − x·t + log(1 + e^−|x|), computed stably.
public enum BinaryCrossEntropy {
    /// The mean loss over all elements of `logits` against `targets` (same shape, values in
    /// [0, 1]) and its gradient with respect to the logits: (sigmoid(x) − t) / count.
    /// `positiveWeight` scales the loss of elements whose target is 1 (PyTorch's `pos_weight`).
    public static func withLogits(_ logits: Tensor, targets: Tensor, positiveWeight: Float = 1) -> (loss: Double, gradient: Tensor) {
        precondition(logits.shape == targets.shape, "BinaryCrossEntropy: logits \(logits.shape) and targets \(targets.shape) differ")
        var grad = Tensor(shape: logits.shape)
        let n = Float(max(logits.count, 1))
        var total = 0.0
        logits.withUnsafeValues { x in
            targets.withUnsafeValues { t in
                grad.withUnsafeMutableValues { g in
                    for i in x.indices {
                        let xi = x[i], ti = t[i]
                        // −[w·t·log σ(x) + (1 − t)·log(1 − σ(x))], with log σ(x) = −softplus(−x).
                        let softplusNeg = max(-xi, 0) + log1p(exp(-abs(xi)))   // −log σ(x)
                        let softplusPos = softplusNeg + xi                      // −log(1 − σ(x))
                        let w = 1 + (positiveWeight - 1) * ti
                        total += Double(positiveWeight * ti * softplusNeg + (1 - ti) * softplusPos)
                        let s = 1 / (1 + exp(-xi))
                        // d/dx = p·t·(σ − 1) + (1 − t)·σ = σ·w − p·t, with w = 1 − t + p·t
                        g[i] = (s * w - positiveWeight * ti) / n
                    }
                }
            }
        }
        return (total / Double(n), grad)
    }
}
