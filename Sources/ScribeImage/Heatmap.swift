import ScribeCore

/// A labelled tick on a heat map's axis.
public struct AxisTick: Sendable {
    /// Position along the axis, 0 at the start (left or bottom) and 1 at the end.
    public var position: Double
    /// Text drawn beside the tick (digits, `.`, `s`, `kHz`, `dB`).
    public var label: String
    public init(position: Double, label: String) { self.position = position; self.label = label }
}

/// Draws a `(frames, bins)` matrix as a picture: time left to right, bin 0 at the bottom,
/// values mapped through a colormap over `[max − range, max]`, with labelled axes.
public struct Heatmap: Sendable {
    /// Colormap of the values.
    public var colormap: Colormap = .magma
    /// Dynamic range shown, in the matrix's units (values below `max − range` are clipped).
    public var range: Float = 80
    /// Target width of the plot area in pixels (frames are repeated or averaged to fit).
    public var targetWidth = 1000
    /// Target height of the plot area in pixels (bins are repeated to fit).
    public var targetHeight = 320
    /// Ticks under the time axis.
    public var xTicks: [AxisTick] = []
    /// Ticks beside the frequency axis.
    public var yTicks: [AxisTick] = []

    public init() {}

    private let left = 44, bottom = 22, top = 8, right = 64, fontScale = 2

    /// Renders `matrix` (rows are frames, columns bins).
    public func render(_ matrix: FeatureMatrix) -> Image8 {
        precondition(matrix.rows > 0 && matrix.columns > 0, "nothing to draw")
        let plotW = matrix.rows >= targetWidth ? targetWidth : matrix.rows * max(1, targetWidth / matrix.rows)
        let rowScale = max(1, (targetHeight + matrix.columns - 1) / matrix.columns)
        let plotH = matrix.columns * rowScale
        var image = Image8(width: left + plotW + right, height: top + plotH + bottom, channels: 3, fill: 255)
        let hi = matrix.values.filter { $0.isFinite }.max() ?? 0
        let lo = hi - range
        let lut = colormap.table
        for x in 0..<plotW {
            // Frames covered by this column: averaged when there are more frames than pixels.
            let f0 = x * matrix.rows / plotW, f1 = max(f0 + 1, (x + 1) * matrix.rows / plotW)
            for bin in 0..<matrix.columns {
                var sum: Float = 0
                for f in f0..<f1 { sum += matrix[f, bin] }
                let v = (sum / Float(f1 - f0) - lo) / range
                let color = lut[Int((min(max(v.isFinite ? v : 0, 0), 1) * 255).rounded())]
                let y0 = top + plotH - (bin + 1) * rowScale
                image.fill(x0: left + x, y0: y0, x1: left + x + 1, y1: y0 + rowScale, color)
            }
        }
        drawAxes(on: &image, plotW: plotW, plotH: plotH)
        drawColorBar(on: &image, plotW: plotW, plotH: plotH, lut: lut)
        return image
    }

    private func drawAxes(on image: inout Image8, plotW: Int, plotH: Int) {
        let ink = RGB(40, 40, 40)
        let textH = TinyFont.glyphHeight * fontScale
        for tick in xTicks {
            let x = left + Int(tick.position * Double(plotW - 1))
            image.fill(x0: x, y0: top + plotH, x1: x + 1, y1: top + plotH + 4, ink)
            let w = TinyFont.width(tick.label, scale: fontScale)
            TinyFont.draw(tick.label, x: min(max(x - w / 2, 0), image.width - w), y: top + plotH + 6, scale: fontScale, color: ink, on: &image)
        }
        for tick in yTicks {
            let y = top + plotH - 1 - Int(tick.position * Double(plotH - 1))
            image.fill(x0: left - 4, y0: y, x1: left, y1: y + 1, ink)
            let w = TinyFont.width(tick.label, scale: fontScale)
            TinyFont.draw(tick.label, x: left - 6 - w, y: min(max(y - textH / 2, 0), image.height - textH), scale: fontScale, color: ink, on: &image)
        }
    }

    /// A vertical bar of the colormap right of the plot, labelled with the range.
    private func drawColorBar(on image: inout Image8, plotW: Int, plotH: Int, lut: [RGB]) {
        let x0 = left + plotW + 10
        for y in 0..<plotH {
            let c = lut[Int(Double(plotH - 1 - y) / Double(max(plotH - 1, 1)) * 255)]
            image.fill(x0: x0, y0: top + y, x1: x0 + 12, y1: top + y + 1, c)
        }
        let ink = RGB(40, 40, 40)
        TinyFont.draw("0", x: x0 + 16, y: top, scale: fontScale, color: ink, on: &image)
        TinyFont.draw("-\(Int(range))", x: x0 + 16, y: top + plotH - TinyFont.glyphHeight * fontScale, scale: fontScale, color: ink, on: &image)
        TinyFont.draw("dB", x: x0 + 16, y: top + plotH / 2 - 5, scale: fontScale, color: ink, on: &image)
    }
}
