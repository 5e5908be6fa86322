import ScribeCore
#if canImport(Glibc)
import Glibc
#endif

/// Updates parameters from their accumulated gradients.
public protocol Optimizer: AnyObject {
    /// Learning rate used by the next `step` (schedules set it between steps).
    var learningRate: Float { get set }
    /// Applies one update to every parameter from its `grad`.
    func step()
}

/// Scales all gradients so their global L2 norm is at most `maxNorm` (PyTorch's
/// `clip_grad_norm_`, with its 1e-6 guard), and returns the norm before clipping.
@discardableResult
public func clipGradientNorm(_ parameters: [Parameter], maxNorm: Float) -> Float {
    precondition(maxNorm > 0, "clipGradientNorm: maxNorm must be positive")
    var sum = 0.0
    for p in parameters {
        p.grad.withUnsafeValues { g in for v in g { sum += Double(v) * Double(v) } }
    }
    let norm = Float(sum.squareRoot())
    let scale = maxNorm / (norm + 1e-6)
    if scale < 1 {
        for p in parameters { p.grad.withUnsafeMutableValues { g in for i in 0..<g.count { g[i] *= scale } } }
    }
    return norm
}

/// SGD with momentum as in PyTorch: v = μ·v + g (+ weight decay·w), w -= lr·v
/// (or w -= lr·(g + μ·v) with Nesterov).
public final class SGD: Optimizer {
    public let parameters: [Parameter]
    public var learningRate: Float
    public var momentum: Float
    public var weightDecay: Float
    public var nesterov: Bool
    /// velocity[i] has the shape of parameters[i].
    private var velocity: [Tensor]

    public init(_ parameters: [Parameter], learningRate: Float, momentum: Float = 0.9,
                weightDecay: Float = 0, nesterov: Bool = false) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.momentum = momentum
        self.weightDecay = weightDecay
        self.nesterov = nesterov
        velocity = parameters.map { Tensor(shape: $0.value.shape) }
    }

    public func step() {
        let (lr, mu, wd, nesterov) = (learningRate, momentum, weightDecay, self.nesterov)
        for (i, p) in parameters.enumerated() {
            p.value.withUnsafeMutableValues { w in
                p.grad.withUnsafeValues { g in
                    velocity[i].withUnsafeMutableValues { v in
                        for j in 0..<w.count {
                            let gj = g[j] + wd * w[j]
                            v[j] = mu * v[j] + gj
                            w[j] -= lr * (nesterov ? gj + mu * v[j] : v[j])
                        }
                    }
                }
            }
        }
    }
}

/// Adam (Kingma & Ba) with bias correction, as PyTorch's `torch.optim.Adam`; with
/// `decoupledWeightDecay` it is AdamW (`torch.optim.AdamW`): w -= lr·λ·w before the step.
/// Without it, weight decay is added to the gradient (L2), as Adam's `weight_decay`.
public final class Adam: Optimizer {
    public let parameters: [Parameter]
    public var learningRate: Float
    public var beta1: Float
    public var beta2: Float
    public var epsilon: Float
    public var weightDecay: Float
    public let decoupledWeightDecay: Bool
    /// Steps taken so far.
    public internal(set) var stepCount = 0
    /// m[i] and v[i] have the shape of parameters[i]: first and second moment estimates.
    private var m: [Tensor]
    private var v: [Tensor]

    public init(_ parameters: [Parameter], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                epsilon: Float = 1e-8, weightDecay: Float = 0, decoupledWeightDecay: Bool = false) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.decoupledWeightDecay = decoupledWeightDecay
        m = parameters.map { Tensor(shape: $0.value.shape) }
        v = parameters.map { Tensor(shape: $0.value.shape) }
    }

    /// The moment estimates and step count, for checkpoints: `m.<i>` and `v.<i>` for
    /// parameter `i`, and a one-value `step` tensor.
    public func stateTensors() -> [String: Tensor] {
        var out: [String: Tensor] = ["step": Tensor(shape: [1], values: [Float(stepCount)])]
        for i in parameters.indices { out["m.\(i)"] = m[i]; out["v.\(i)"] = v[i] }
        return out
    }

    /// Restores what `stateTensors` returned, checking every shape; `source` names the
    /// checkpoint in errors.
    public func restore(stateTensors state: [String: Tensor], source: String) throws {
        func bad(_ why: String) -> SafeTensorsError { .mismatch(source: source, reason: "optimizer state: " + why) }
        guard let step = state["step"], step.count == 1, step.values[0] >= 0, step.values[0] < 1e9 else {
            throw bad("missing or invalid step count")
        }
        guard state.count == 1 + 2 * parameters.count else {
            throw bad("\(state.count - 1) moment tensors for \(parameters.count) parameters (was the checkpoint made for another architecture?)")
        }
        var newM: [Tensor] = [], newV: [Tensor] = []
        for (i, p) in parameters.enumerated() {
            guard let mi = state["m.\(i)"], let vi = state["v.\(i)"], mi.shape == p.value.shape, vi.shape == p.value.shape else {
                throw bad("moments of parameter \(i) are missing or not shaped \(p.value.shape)")
            }
            newM.append(mi); newV.append(vi)
        }
        m = newM; v = newV
        stepCount = Int(step.values[0])
    }

    /// AdamW: Adam with decoupled weight decay (default λ = 0.01 as in PyTorch).
    public static func adamW(_ parameters: [Parameter], learningRate: Float = 1e-3, weightDecay: Float = 0.01) -> Adam {
        Adam(parameters, learningRate: learningRate, weightDecay: weightDecay, decoupledWeightDecay: true)
    }

    public func step() {
        stepCount += 1
        let (lr, b1, b2, eps, wd) = (learningRate, beta1, beta2, epsilon, weightDecay)
        let correction1 = 1 - powf(b1, Float(stepCount))
        let correction2Root = (1 - powf(b2, Float(stepCount))).squareRoot()
        let stepSize = lr / correction1
        let decoupled = decoupledWeightDecay
        for (i, p) in parameters.enumerated() {
            p.value.withUnsafeMutableValues { w in
                p.grad.withUnsafeValues { g in
                    m[i].withUnsafeMutableValues { mm in
                        v[i].withUnsafeMutableValues { vv in
                            let (wp, gp, mp, vp) = (w.baseAddress!, g.baseAddress!, mm.baseAddress!, vv.baseAddress!)
                            // Elementwise, so splitting across threads cannot change the result.
                            Workers.forEachChunk(count: w.count, threads: w.count >= 65_536 ? ComputeThreads.count : 1) { range, _ in
                                for j in range {
                                    var gj = gp[j]
                                    if decoupled { wp[j] *= 1 - lr * wd } else { gj += wd * wp[j] }
                                    mp[j] = b1 * mp[j] + (1 - b1) * gj
                                    vp[j] = b2 * vp[j] + (1 - b2) * gj * gj
                                    wp[j] -= stepSize * mp[j] / (vp[j].squareRoot() / correction2Root + eps)
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
