/// Perceptually uniform colormaps for heat-map pictures (spectrograms, posteriors).
///
/// Each is given by eleven anchor colours at equal steps of matplotlib's map of the same
/// name (published under CC0), interpolated linearly in RGB between anchors.
public enum Colormap: String, CaseIterable, Sendable {
    case viridis, magma, gray

    private var anchors: [(Double, Double, Double)] {
        switch self {
        case .viridis:
            return [(68, 1, 84), (72, 36, 117), (65, 68, 135), (53, 95, 141), (42, 120, 142), (33, 145, 140),
                    (34, 168, 132), (68, 191, 112), (122, 209, 81), (189, 223, 38), (253, 231, 37)]
        case .magma:
            return [(0, 0, 4), (20, 14, 54), (59, 15, 112), (100, 26, 128), (140, 41, 129), (183, 55, 121),
                    (222, 73, 104), (247, 112, 92), (254, 159, 109), (254, 207, 146), (252, 253, 191)]
        case .gray:
            return [(0, 0, 0), (255, 255, 255)]
        }
    }

    /// The colour at `t` in [0, 1] (clamped; NaN maps to 0).
    public func color(_ t: Double) -> RGB {
        let a = anchors
        let x = (t.isNaN ? 0 : min(max(t, 0), 1)) * Double(a.count - 1)
        let i = min(Int(x), a.count - 2)
        let f = x - Double(i)
        func mix(_ p: Double, _ q: Double) -> UInt8 { UInt8((p + (q - p) * f).rounded()) }
        return RGB(mix(a[i].0, a[i + 1].0), mix(a[i].1, a[i + 1].1), mix(a[i].2, a[i + 1].2))
    }

    /// A 256-entry lookup table.
    public var table: [RGB] { (0..<256).map { color(Double($0) / 255) } }
}
