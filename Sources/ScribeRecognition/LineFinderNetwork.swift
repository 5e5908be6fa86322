import Foundation
import ScribeCore
import ScribeNN

/// The line finder's fully convolutional network: a small U-Net that labels every 4 × 4
/// block of a page with two probabilities, "on the core of a text line" (the band between
/// baseline and x-height) and "inside a text line's polygon".
///
///     input (B, 1, H, W), ink high, H and W multiples of 16
///     s0  C3x3 → c0, ReLU, max-pool 2            (1/2)
///     s1  C3x3 → c1, ReLU, max-pool 2            (1/4)
///     s2  C3x3 → c2, ReLU, C3x3 → c2, ReLU       (1/4)   = skip4
///     s3  pool 2, C3x3 → c3, ReLU, C3x3 → c3, ReLU (1/8) = skip8
///     s4  pool 2, C3x3 → c3, ReLU, C1x9 → c3, ReLU, up 2   (+ skip8)
///     s5  C3x3 → c2, ReLU, up 2                  (+ skip4)
///     s6  C3x3 → c2, ReLU, C1x1 → 2              logits (B, 2, H/4, W/4)
///
/// The 1 × 9 convolution at 1/16 scale sees 144 input pixels across, so the gap between
/// two words of a line is bridged. Skips are added (not concatenated), which keeps the
/// decoder narrow; backward routes each skip's gradient to both of its consumers.
public final class LineFinderNetwork {
    /// Channels of the four widths (c0, c1, c2, c3).
    public let widths: [Int]
    /// Input pixels per output cell along each side.
    public static let stride = 4
    /// Input sides must be multiples of this.
    public static let granularity = 16
    /// Output channels: line core and line region.
    public static let outputs = 2

    let stages: [[ImageLayer]]

    public init(widths: [Int] = [8, 16, 32, 64], seed: UInt64 = 1) {
        precondition(widths.count == 4 && widths.allSatisfy { $0 > 0 && $0 <= 1024 }, "LineFinderNetwork: four widths in 1...1024")
        self.widths = widths
        var g = SeededGenerator(seed: seed)
        let (c0, c1, c2, c3) = (widths[0], widths[1], widths[2], widths[3])
        func conv(_ i: Int, _ o: Int, _ k: (Int, Int) = (3, 3)) -> Conv2D {
            Conv2D(inChannels: i, outChannels: o, kernel: k, padding: (k.0 / 2, k.1 / 2), generator: &g)
        }
        stages = [
            [conv(1, c0), ImageReLU(), MaxPool2D(kernel: (2, 2))],
            [conv(c0, c1), ImageReLU(), MaxPool2D(kernel: (2, 2))],
            [conv(c1, c2), ImageReLU(), conv(c2, c2), ImageReLU()],
            [MaxPool2D(kernel: (2, 2)), conv(c2, c3), ImageReLU(), conv(c3, c3), ImageReLU()],
            [MaxPool2D(kernel: (2, 2)), conv(c3, c3), ImageReLU(), conv(c3, c3, (1, 9)), ImageReLU(), Upsample2D(factor: (2, 2))],
            [conv(c3, c2), ImageReLU(), Upsample2D(factor: (2, 2))],
            [conv(c2, c2), ImageReLU(), conv(c2, Self.outputs, (1, 1))],
        ]
    }

    /// Trainable values of a network of these widths, counted without building it (a model
    /// file's tensors are checked against it before any layer is allocated).
    public static func parameterCount(widths w: [Int]) -> Int {
        guard w.count == 4 else { return 0 }
        func conv(_ i: Int, _ o: Int, _ k: Int = 9) -> Int { i * o * k + o }
        return conv(1, w[0]) + conv(w[0], w[1]) + conv(w[1], w[2]) + conv(w[2], w[2]) + conv(w[2], w[3]) + conv(w[3], w[3])
            + conv(w[3], w[3]) + conv(w[3], w[3]) + conv(w[3], w[2]) + conv(w[2], w[2]) + conv(w[2], outputs, 1)
    }

    /// Parameters named `s<stage>.<layer>.weight|bias`.
    public func namedParameters() -> [(name: String, parameter: Parameter)] {
        var out: [(String, Parameter)] = []
        for (s, stage) in stages.enumerated() {
            for (l, layer) in stage.enumerated() {
                for (name, p) in layer.namedParameters() { out.append(("s\(s).\(l).\(name)", p)) }
            }
        }
        return out
    }

    public var parameters: [Parameter] { namedParameters().map(\.parameter) }
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.value.count } }
    public func zeroGradients() { for p in parameters { p.grad.zero() } }

    /// Logits (B, 2, H/4, W/4) for pages x (B, 1, H, W). With `keepingCaches` false (reading
    /// a page) each layer frees what it kept for backward as soon as its output exists, so
    /// the page's unfolded inputs are not all held at once; backward cannot follow then.
    public func forward(_ x: Tensor, keepingCaches: Bool = true) -> Tensor {
        precondition(x.rank == 4 && x.shape[1] == 1 && x.shape[2] % Self.granularity == 0 && x.shape[3] % Self.granularity == 0,
                     "LineFinderNetwork: expected (B, 1, H, W) with H and W multiples of 16, got \(x.shape)")
        let run = { (s: Int, x: Tensor) in self.run(s, x, keepingCaches: keepingCaches) }
        let skip4 = run(2, run(1, run(0, x)))
        let skip8 = run(3, skip4)
        var a8 = run(4, skip8); a8.add(skip8)
        var a4 = run(5, a8); a4.add(skip4)
        return run(6, a4)
    }

    /// Accumulates parameter gradients for dy, the gradient of the loss with respect to the
    /// logits of the last forward call.
    public func backward(_ dy: Tensor) {
        let dA4 = back(6, dy)
        let dA8 = back(5, dA4)
        var dSkip8 = back(4, dA8); dSkip8.add(dA8)
        var dSkip4 = back(3, dSkip8); dSkip4.add(dA4)
        _ = back(0, back(1, back(2, dSkip4)))
    }

    private func run(_ s: Int, _ x: Tensor, keepingCaches: Bool) -> Tensor {
        stages[s].reduce(x) { x, layer in
            let y = layer.forward(x)
            if !keepingCaches { layer.releaseCaches() }
            return y
        }
    }
    private func back(_ s: Int, _ dy: Tensor) -> Tensor { stages[s].reversed().reduce(dy) { $1.backward($0) } }
}
