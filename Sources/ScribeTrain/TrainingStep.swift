import ScribeCore
import ScribeNN

/// What one training step measured.
public struct StepResult: Sendable {
    /// Mean CTC loss per label over the batch (PyTorch's `reduction="mean"`).
    public var loss: Float
    /// Gradient norm before clipping.
    public var gradientNorm: Float
    /// False when the loss or gradient was not finite: the update was skipped.
    public var applied: Bool
}

/// The training step, kept small and apart from data loading and bookkeeping: forward,
/// CTC loss, backward (gradients in `Parameter.grad`), then clipping and the optimizer
/// update. `computeGradients` alone is the piece a data-parallel version would run in each
/// process before averaging the gradients and calling `apply`.
public struct TrainingStep {
    public let network: Layer
    public let optimizer: Optimizer
    public let clipNorm: Float
    let ctc = CTCLoss(blank: 0, reduction: .mean, zeroInfinity: true)

    public init(network: Layer, optimizer: Optimizer, clipNorm: Float) {
        self.network = network
        self.optimizer = optimizer
        self.clipNorm = clipNorm
    }

    /// Zeroes the gradients and accumulates this batch's into them; returns the loss.
    public func computeGradients(inputs: SequenceBatch, targets: [[Int]]) throws -> Float {
        network.zeroGradients()
        let logits = network.forward(inputs, training: true)
        let result = try ctc(logits: logits, targets: targets)
        guard result.loss.isFinite else { return result.loss }
        _ = network.backward(SequenceBatch(values: result.gradient, lengths: logits.lengths))
        return result.loss
    }

    /// Clips the accumulated gradients and updates the parameters, unless the gradient is
    /// not finite (then nothing changes). Returns the norm before clipping.
    public func apply() -> (norm: Float, applied: Bool) {
        let norm = clipGradientNorm(network.parameters, maxNorm: clipNorm)
        guard norm.isFinite else { return (norm, false) }
        optimizer.step()
        return (norm, true)
    }

    /// One whole step. A non-finite loss or gradient skips the update (the NaN guard).
    public func callAsFunction(inputs: SequenceBatch, targets: [[Int]]) throws -> StepResult {
        let loss = try computeGradients(inputs: inputs, targets: targets)
        guard loss.isFinite else { return StepResult(loss: loss, gradientNorm: .nan, applied: false) }
        let (norm, applied) = apply()
        return StepResult(loss: loss, gradientNorm: norm, applied: applied)
    }
}
