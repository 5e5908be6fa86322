import ScribeCore

/// A layer whose random masks come from its own seeded generator. The trainer restarts
/// every such layer from the step number, so a resumed run draws the masks it would have.
public protocol Reseedable: AnyObject {
    func reseed(_ seed: UInt64)
}

/// Inverted dropout over image tensors (B, C, H, W), for the convolutional part of a line
/// model (`Do20` between image layers, as Puigcerver's line recognizers drop 20% of the
/// inputs of their deeper convolutions): in training each value is zeroed with probability
/// `rate` and the survivors are scaled by 1 / (1 - rate); at inference it is the identity.
public final class ImageDropout: ImageLayer, Reseedable {
    /// Probability of dropping a value, in [0, 1).
    public let rate: Float
    private var generator: SeededGenerator
    /// mask is (B, C, H, W): 0 or 1 / (1 - rate) from the last training forward; empty at inference.
    private var mask = Tensor(shape: [0])

    public init(rate: Float, seed: UInt64) {
        precondition(rate >= 0 && rate < 1, "ImageDropout: rate must be in [0, 1), got \(rate)")
        self.rate = rate
        generator = SeededGenerator(seed: seed)
    }

    public var spec: String { "Do\(Int((rate * 100).rounded()))" }
    public func namedParameters() -> [(name: String, parameter: Parameter)] { [] }
    public func reseed(_ seed: UInt64) { generator = SeededGenerator(seed: seed) }

    public func releaseCaches() { mask = Tensor(shape: [0]) }

    public func forward(_ x: Tensor) -> Tensor { forward(x, training: false) }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        guard training && rate > 0 else {
            mask = Tensor(shape: [0])
            return x
        }
        let keep = 1 / (1 - rate), threshold = Double(rate)
        mask.resize(to: x.shape)
        mask.withUnsafeMutableValues { m in
            for i in 0..<m.count { m[i] = generator.nextUniform() < threshold ? 0 : keep }
        }
        return Self.multiply(x, by: mask)
    }

    public func backward(_ dy: Tensor) -> Tensor {
        guard mask.count > 0 else { return dy }
        precondition(mask.shape == dy.shape, "ImageDropout.backward: gradient \(dy.shape) does not match the last forward \(mask.shape)")
        return Self.multiply(dy, by: mask)
    }

    static func multiply(_ x: Tensor, by mask: Tensor) -> Tensor {
        var y = x
        y.withUnsafeMutableValues { v in
            mask.withUnsafeValues { m in for i in 0..<v.count { v[i] *= m[i] } }
        }
        return y
    }
}
