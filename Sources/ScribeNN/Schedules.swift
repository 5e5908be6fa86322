#if canImport(Glibc)
import Glibc
#endif

/// A learning rate as a function of the (0-based) step number.
public protocol LearningRateSchedule {
    func learningRate(atStep step: Int) -> Float
}

/// Multiplies the base rate by `factor` every `every` steps.
public struct StepDecay: LearningRateSchedule {
    public var base: Float, every: Int, factor: Float
    public init(base: Float, every: Int, factor: Float) {
        precondition(every > 0, "StepDecay: every must be positive")
        self.base = base; self.every = every; self.factor = factor
    }
    public func learningRate(atStep step: Int) -> Float { base * powf(factor, Float(step / every)) }
}

/// Cosine decay from `base` to `minimum` over `totalSteps`, then `minimum`.
public struct CosineDecay: LearningRateSchedule {
    public var base: Float, minimum: Float, totalSteps: Int
    public init(base: Float, minimum: Float = 0, totalSteps: Int) {
        precondition(totalSteps > 0, "CosineDecay: totalSteps must be positive")
        self.base = base; self.minimum = minimum; self.totalSteps = totalSteps
    }
    public func learningRate(atStep step: Int) -> Float {
        let p = min(1, Float(step) / Float(totalSteps))
        return minimum + (base - minimum) * 0.5 * (1 + cosf(.pi * p))
    }
}

/// Linear warm-up from base/warmupSteps to the wrapped schedule's rate over `warmupSteps`,
/// then the wrapped schedule, counted from the end of the warm-up.
public struct WarmUp<Inner: LearningRateSchedule>: LearningRateSchedule {
    public var warmupSteps: Int, inner: Inner
    public init(steps: Int, then inner: Inner) { warmupSteps = steps; self.inner = inner }
    public func learningRate(atStep step: Int) -> Float {
        if step < warmupSteps { return inner.learningRate(atStep: 0) * Float(step + 1) / Float(warmupSteps) }
        return inner.learningRate(atStep: step - warmupSteps)
    }
}

/// Reduce-on-plateau as PyTorch's `ReduceLROnPlateau` (mode min, relative threshold):
/// after more than `patience` evaluations without improving the best metric by a relative
/// `threshold`, multiply the rate by `factor` (not below `minimum`) and wait `cooldown`.
public struct ReduceOnPlateau {
    public private(set) var learningRate: Float
    public var factor: Float, patience: Int, threshold: Float, cooldown: Int, minimum: Float
    private var best = Float.infinity
    private var badEvaluations = 0
    private var cooldownLeft = 0

    public init(learningRate: Float, factor: Float = 0.1, patience: Int = 10, threshold: Float = 1e-4,
                cooldown: Int = 0, minimum: Float = 0) {
        precondition(factor > 0 && factor < 1, "ReduceOnPlateau: factor must be in (0, 1)")
        self.learningRate = learningRate
        self.factor = factor; self.patience = patience; self.threshold = threshold
        self.cooldown = cooldown; self.minimum = minimum
    }

    /// Records a validation metric (lower is better) and returns the rate to use next.
    @discardableResult
    public mutating func observe(_ metric: Float) -> Float {
        if metric < best * (1 - threshold) {
            best = metric
            badEvaluations = 0
        } else {
            badEvaluations += 1
        }
        if cooldownLeft > 0 { cooldownLeft -= 1; badEvaluations = 0 }
        if badEvaluations > patience {
            learningRate = max(minimum, learningRate * factor)
            cooldownLeft = cooldown
            badEvaluations = 0
        }
        return learningRate
    }
}
