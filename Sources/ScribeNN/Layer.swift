/// A trainable tensor and the gradient accumulated for it.
///
/// Layers add (`+=`) into `grad` during `backward`; `Layer.zeroGradients()` clears them,
/// as in llm.c, so gradients of several backward calls can be summed.
public final class Parameter {
    /// Value, shaped as the layer documents (PyTorch's layout where one exists).
    public var value: Tensor {
        get { storage }
        // In-place writes (optimizer steps) stay in place: a `didSet` observer would make
        // them copy the whole tensor when called from another module.
        _modify { version &+= 1; yield &storage }
        set { version &+= 1; storage = newValue }
    }
    private var storage: Tensor
    /// Gradient of the loss with respect to `value`, same shape; zeros until the first
    /// write. Stored only from then on: a network that only reads lines holds no gradients
    /// (they were a quarter of the memory `scribe recognize` touched with the ten-network
    /// Poilus model).
    public var grad: Tensor {
        get { gradStorage ?? Tensor(shape: storage.shape) }
        _modify {
            if gradStorage == nil { gradStorage = Tensor(shape: storage.shape) }
            yield &gradStorage!
        }
        set { gradStorage = newValue }
    }
    private var gradStorage: Tensor?
    /// False for state a layer updates itself and a model file must keep, such as batch
    /// normalization's running statistics: optimizers, clipping and parameter counts skip
    /// it, model files and checkpoints store it.
    public let trainable: Bool
    /// Counts the writes to `value`, in place or whole (an optimizer step, a load): a layer
    /// that keeps a repacked copy of a weight compares it to know when the copy is stale.
    public private(set) var version = 0

    public init(_ value: Tensor, trainable: Bool = true) {
        storage = value
        self.trainable = trainable
    }
}

/// A layer over padded batches of sequences: forward computes and caches what backward
/// needs; backward takes the gradient of the loss with respect to the last forward output,
/// accumulates parameter gradients and returns the gradient with respect to its input.
///
/// Every layer keeps padded frames (t >= lengths[b]) at zero in its outputs and input
/// gradients, and ignores the values of padded frames in its inputs and output gradients.
/// Call `backward` at most once per `forward`: layers drop cached inputs after it so their
/// producers can reuse buffers. Outputs are values (copy-on-write): a result the caller
/// keeps is never changed by later calls.
public protocol Layer: AnyObject {
    /// A short tesseract-like description, e.g. `Lbx256` (see `NetworkSpec`).
    var spec: String { get }
    /// Channels per input frame.
    var inputSize: Int { get }
    /// Channels per output frame.
    var outputSize: Int { get }
    /// Parameters with names relative to this layer (e.g. `weight`, `0.1.weight_ih`).
    func namedParameters() -> [(name: String, parameter: Parameter)]
    /// Computes the output for `x` (T, B, inputSize); the result is (T, B, outputSize).
    func forward(_ x: SequenceBatch, training: Bool) -> SequenceBatch
    /// Given dy (T, B, outputSize) for the last forward call, accumulates parameter
    /// gradients and returns dx (T, B, inputSize).
    func backward(_ dy: SequenceBatch) -> SequenceBatch
    /// Output frames for an input of `inputLength` frames (the same, except for layers that
    /// change the frame rate such as `ConvWindow`).
    func outputLength(inputLength: Int) -> Int
    /// Frees what the last forward kept for backward (activations, unfolded inputs); the
    /// next forward allocates afresh. Readers call it after each forward, so that the
    /// networks of an ensemble, run one after another, share their working memory instead
    /// of each holding its own between lines. Weights and packed weights stay.
    func releaseCaches()
}

extension Layer {
    /// Layers that keep nothing between calls have nothing to free.
    public func releaseCaches() {}

    /// All trainable parameters in a fixed order (what optimizers update).
    public var parameters: [Parameter] { namedParameters().map(\.parameter).filter(\.trainable) }

    /// Number of trainable values.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.value.count } }

    /// Sets every parameter gradient to zero.
    public func zeroGradients() {
        for p in parameters { p.grad.zero() }
    }
}

extension Layer {
    /// Marks the layers that read this network's input so their backward skips the input
    /// gradient (returning zeros): a training loop does not need d(loss)/d(features), and
    /// for a first LSTM layer this saves a (T·B, 4H)·(4H, I) product per direction.
    public func skipInputGradient() {
        switch self {
        case let s as Series: s.layers[0].skipInputGradient()
        case let p as Parallel: p.branches.forEach { $0.skipInputGradient() }
        case let r as Reversed: r.inner.skipInputGradient()
        case let r as RecurrentLayer: r.computesInputGradient = false
        case let l as Linear: l.computesInputGradient = false
        default: break // pointwise layers and residuals still pass the gradient through
        }
    }
}

/// Stateless layers without parameters share this default; most layers keep the frame count.
extension Layer {
    public func outputLength(inputLength: Int) -> Int { inputLength }

    public func namedParameters() -> [(name: String, parameter: Parameter)] { [] }
}

// MARK: - Padding helpers

extension SequenceBatch {
    /// The batch with padded frames set to zero (a copy; the caller's value is unchanged).
    func maskedCopy() -> SequenceBatch {
        var c = self
        if lengths.contains(where: { $0 < frames }) { c.zeroPadding() }
        return c
    }
}

@inline(__always)
func requireChannels(_ x: SequenceBatch, channels: Int, _ who: @autoclosure () -> String) {
    precondition(x.channels == channels,
                 "\(who()): expected \(channels) channels per frame, got \(x.channels) (shape \(x.values.shape))")
}
