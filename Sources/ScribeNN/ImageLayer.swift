/// A layer over batches of images, tensors shaped (B, C, H, W) as in PyTorch's Conv2d:
/// forward caches what backward needs; backward accumulates parameter gradients and
/// returns the gradient with respect to the input.
public protocol ImageLayer: AnyObject {
    /// A short description, e.g. `C3x3,16` or `Mp2x2`.
    var spec: String { get }
    func namedParameters() -> [(name: String, parameter: Parameter)]
    /// x is (B, C, H, W); inference (what `forward(_:training:)` does with false).
    func forward(_ x: Tensor) -> Tensor
    /// x is (B, C, H, W); `training` matters to layers that behave differently while
    /// learning (batch normalization), the others ignore it.
    func forward(_ x: Tensor, training: Bool) -> Tensor
    /// dy has the shape of the last output; returns dx shaped like the last input.
    func backward(_ dy: Tensor) -> Tensor
    /// Frees what the last forward kept for backward (see `Layer.releaseCaches`).
    func releaseCaches()
}

extension ImageLayer {
    public func forward(_ x: Tensor, training: Bool) -> Tensor { forward(x) }
    public func releaseCaches() {}
    /// The trainable parameters.
    public var parameters: [Parameter] { namedParameters().map(\.parameter).filter(\.trainable) }
    public func zeroGradients() { for p in parameters { p.grad.zero() } }
}
