import Foundation
import ScribeCore

/// Random distortions of a normalized text line (0 = ink, 1 = paper) for training: each is
/// drawn from the generator, so the same seed gives the same line, and each can be switched
/// off. Geometry changes keep the line's height; the width follows horizontal scaling.
public struct LineAugmentation: Codable, Equatable, Sendable {
    /// Rotation in degrees, drawn uniformly in ±this.
    public var rotationDegrees: Double = 1.5
    /// Horizontal shear (slant change) as a tangent, drawn in ±this.
    public var shear: Double = 0.3
    /// Horizontal scale drawn in this range (character width).
    public var widthScale: ClosedRange<Double> = 0.8...1.2
    /// Vertical scale drawn in this range (the line stays centred, shifted by up to `shift` px).
    public var heightScale: ClosedRange<Double> = 0.85...1.05
    public var shift: Double = 2
    /// Elastic distortion: displacements up to this many pixels on a grid `elasticGrid` px wide.
    public var elastic: Double = 1.5
    public var elasticGrid: Int = 12
    /// Probability of thicker strokes (3×3 minimum) and of thinner strokes (3×3 maximum).
    public var thicken: Double = 0.2
    public var thin: Double = 0.15
    /// A thinner pen must not erase strokes: a drawn thinning is skipped unless at least this
    /// fraction of the stroke cores (ink above one half) keep ink (above 0.4) within one pixel.
    /// On 32-48 px lines, strokes are often 2 px wide and a 3×3 maximum wipes them out.
    /// 0 thins every drawn line (the behaviour before this setting existed).
    public var thinKeep: Double = 0.95
    /// Probability of a 3×3 blur.
    public var blur: Double = 0.2
    /// Ink gray level drawn in 0...inkLevel, paper level in paperLevel...1.
    public var inkLevel: Double = 0.35
    public var paperLevel: Double = 0.7
    /// Gaussian pixel noise, standard deviation drawn in 0...noise.
    public var noise: Double = 0.06

    public init() {}

    /// No augmentation at all.
    public static let off: LineAugmentation = {
        var a = LineAugmentation()
        a.rotationDegrees = 0; a.shear = 0; a.widthScale = 1...1; a.heightScale = 1...1; a.shift = 0
        a.elastic = 0; a.thicken = 0; a.thin = 0; a.blur = 0; a.inkLevel = 0; a.paperLevel = 1; a.noise = 0
        return a
    }()

    /// A distorted copy of `line`.
    public func apply(_ line: GrayImage, generator g: inout SeededGenerator) -> GrayImage {
        var image = warp(line, generator: &g)
        if g.nextUniform() < thicken { image = Self.filter3x3(image, pick: min) }
        else if g.nextUniform() < thin { image = Self.thinned(image, keep: thinKeep) }
        if g.nextUniform() < blur { image = Self.blur3x3(image) }
        let ink = Float(Double.random(in: 0...max(inkLevel, 0), using: &g))
        let paper = Float(Double.random(in: min(paperLevel, 1)...1, using: &g))
        let sigma = Float(Double.random(in: 0...max(noise, 0), using: &g))
        for i in image.pixels.indices {
            var v = ink + image.pixels[i] * (paper - ink)
            if sigma > 0 { v += sigma * Float(g.nextGaussian()) }
            image.pixels[i] = min(max(v, 0), 1)
        }
        return image
    }

    /// One resampling for rotation, shear, scale, shift and the elastic field.
    func warp(_ line: GrayImage, generator g: inout SeededGenerator) -> GrayImage {
        let (w, h) = (Float(line.width), Float(line.height))
        let angle = Float(Double.random(in: -rotationDegrees...rotationDegrees, using: &g) * .pi / 180)
        let sh = Float(Double.random(in: -shear...shear, using: &g))
        let sx = Float(Double.random(in: widthScale, using: &g)), sy = Float(Double.random(in: heightScale, using: &g))
        let dy = Float(Double.random(in: -shift...shift, using: &g))
        let outWidth = max(1, Int((w * sx).rounded()))
        // Elastic field on a coarse grid, bilinearly interpolated.
        let step = max(elasticGrid, 2)
        let gw = outWidth / step + 2, gh = line.height / step + 2
        var field = [Float](repeating: 0, count: gw * gh * 2)
        if elastic > 0 { for i in field.indices { field[i] = Float(Double.random(in: -elastic...elastic, using: &g)) } }
        let (c, s) = (cos(angle), sin(angle))
        let (cx, cy) = (Float(outWidth) / 2, h / 2)
        var out = GrayImage(width: outWidth, height: line.height)
        for y in 0..<line.height {
            for x in 0..<outWidth {
                // Output → centred coordinates → undo rotation → undo shear → undo scale.
                var u = Float(x) - cx, v = Float(y) - cy - dy
                if elastic > 0 {
                    let fx = Float(x) / Float(step), fy = Float(y) / Float(step)
                    let (i, j) = (Int(fx), Int(fy)), (ax, ay) = (fx - Float(Int(fx)), fy - Float(Int(fy)))
                    func at(_ a: Int, _ b: Int, _ k: Int) -> Float { field[((b * gw) + a) * 2 + k] }
                    for k in 0..<2 {
                        let d = (at(i, j, k) * (1 - ax) + at(i + 1, j, k) * ax) * (1 - ay)
                            + (at(i, j + 1, k) * (1 - ax) + at(i + 1, j + 1, k) * ax) * ay
                        if k == 0 { u += d } else { v += d }
                    }
                }
                let ru = c * u + s * v, rv = -s * u + c * v
                let su = ru - sh * rv
                out[x, y] = line.sample(x: su / sx + w / 2, y: rv / sy + h / 2, outside: 1)
            }
        }
        return out
    }

    /// Each pixel replaced by `pick` over its 3×3 neighbourhood (min: thicker ink).
    static func filter3x3(_ image: GrayImage, pick: (Float, Float) -> Float) -> GrayImage {
        var out = image
        for y in 0..<image.height {
            for x in 0..<image.width {
                var v = image[x, y]
                for yy in max(0, y - 1)...min(image.height - 1, y + 1) {
                    for xx in max(0, x - 1)...min(image.width - 1, x + 1) { v = pick(v, image[xx, yy]) }
                }
                out[x, y] = v
            }
        }
        return out
    }

    /// `image` with thinner strokes (3×3 maximum), or `image` itself when under `keep` of its
    /// stroke cores (value below 0.5) would keep ink (below 0.6) within one pixel.
    static func thinned(_ image: GrayImage, keep: Double) -> GrayImage {
        let thinner = filter3x3(image, pick: max)
        guard keep > 0 else { return thinner }
        let nearest = filter3x3(thinner, pick: min)  // darkest thinned pixel within one pixel
        var (cores, kept) = (0, 0)
        for i in image.pixels.indices where image.pixels[i] < 0.5 {
            cores += 1
            if nearest.pixels[i] < 0.6 { kept += 1 }
        }
        return cores == 0 || Double(kept) >= keep * Double(cores) ? thinner : image
    }

    /// A 3×3 box blur (edges average the pixels that exist).
    static func blur3x3(_ image: GrayImage) -> GrayImage {
        var out = image
        for y in 0..<image.height {
            for x in 0..<image.width {
                var (sum, n): (Float, Float) = (0, 0)
                for yy in max(0, y - 1)...min(image.height - 1, y + 1) {
                    for xx in max(0, x - 1)...min(image.width - 1, x + 1) { sum += image[xx, yy]; n += 1 }
                }
                out[x, y] = sum / n
            }
        }
        return out
    }
}
