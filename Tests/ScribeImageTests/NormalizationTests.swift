import Foundation
@testable import ScribeImage
import ScribeCore
import XCTest

final class NormalizationTests: XCTestCase {
    func syntheticLine(slope: Double = 0, ink: Float = 0.1, paper: Float = 0.9) -> GrayImage {
        var image = GrayImage(width: 500, height: 120, fill: paper)
        Synthetic.line(on: &image, x: 40, baseline: 80 + Int(slope * 200), words: 5, slope: slope, ink: ink)
        return image
    }

    func testOtsuSeparatesTwoLevels() {
        let values = [Float](repeating: 0.2, count: 300) + [Float](repeating: 0.8, count: 700)
        let t = Binarize.otsuThreshold(values)
        XCTAssertGreaterThan(t, 0.2)
        XCTAssertLessThan(t, 0.8)
    }

    func testSauvolaFollowsUnevenLighting() {
        // Ink strokes on paper that darkens from left (0.95) to right (0.45): one global
        // threshold fails, Sauvola's local one finds the strokes everywhere and nothing else.
        var image = GrayImage(width: 300, height: 60)
        for y in 0..<60 { for x in 0..<300 { image[x, y] = 0.95 - 0.5 * Float(x) / 300 } }
        for x in stride(from: 10, to: 300, by: 30) { for y in 20..<40 { for xx in x..<(x + 4) { image[xx, y] = image[xx, y] * 0.3 } } }
        let bin = Binarization.sauvola.apply(image, window: 31, k: 0.2)
        for x in stride(from: 10, to: 300, by: 30) { XCTAssertEqual(bin[x + 1, 30], 0, "stroke at \(x)") }
        XCTAssertEqual(bin[25, 30], 1)
        XCTAssertEqual(bin[280, 5], 1, "dark paper stays paper")
    }

    func testContrastStretchesRobustPoints() {
        var line = GrayImage(width: 300, height: 50, fill: 0.7)
        Synthetic.line(on: &line, x: 10, baseline: 40, words: 6, ink: 0.4)
        let out = LineNormalizer().normalize(line).image
        XCTAssertEqual(out.pixels.min()!, 0, accuracy: 0.05)
        XCTAssertEqual(out.pixels.max()!, 1, accuracy: 0.05)
    }

    func testContrastKeepsPaperWhiteWhenInkIsSparse() {
        // Two thin strokes (2% of the pixels) on noisy paper: the 5% quantile is paper, and
        // taking it as the black point would blacken the paper's darker half.
        var g = SeededGenerator(seed: 3)
        var strip = GrayImage(width: 400, height: 40)
        for i in strip.pixels.indices { strip.pixels[i] = 0.85 + 0.03 * Float(g.nextGaussian()) }
        for x in [100, 300] { for y in 8..<32 { for dx in 0..<7 { strip[x + dx, y] = 0.4 } } }
        let inkShare = Float(strip.pixels.filter { $0 < 0.6 }.count) / Float(strip.pixels.count)
        XCTAssertLessThan(inkShare, 0.05)
        let out = Contrast.normalize(strip)
        let paper = out.pixels.enumerated().filter { strip.pixels[$0.offset] > 0.6 }.map(\.element)
        let darkPaper = Float(paper.filter { $0 < 0.5 }.count) / Float(paper.count)
        XCTAssertLessThan(darkPaper, 0.001, "paper noise must not become ink")
        XCTAssertEqual(out[102, 20], 0, accuracy: 0.05, "the strokes still come out black")
        // Cropping to the ink then finds the strokes, not the whole strip.
        var s = LineNormalization()
        s.deskew = false
        let box = LineNormalizer(s).normalize(strip).report.inkBox!
        XCTAssertEqual(box.x0, 100 - s.margin)
        XCTAssertEqual(box.x1, 307 + s.margin)
    }

    func testInversionIsDetected() {
        let dark = syntheticLine(ink: 0.9, paper: 0.1)
        let (out, report) = LineNormalizer().normalize(dark)
        XCTAssertTrue(report.inverted)
        XCTAssertGreaterThan(Contrast.percentile(out.pixels, 0.5), 0.5, "paper comes out white")
        XCTAssertFalse(LineNormalizer().normalize(syntheticLine()).report.inverted)
    }

    func testDeskewFindsTheAngle() {
        for degrees in [-3.0, 0, 2.0] {
            let slope = tan(degrees * .pi / 180)
            let (_, report) = LineNormalizer().normalize(syntheticLine(slope: slope))
            // A line rising to the right (negative image-y slope) needs a clockwise turn.
            XCTAssertEqual(report.skewDegrees, -degrees, accuracy: 0.5, "skew \(degrees)°")
        }
    }

    func testSlantCorrectionUprightsStrokes() {
        var s = LineNormalization()
        s.slant = true
        s.deskew = false
        let line = syntheticLine()
        let leaning = Geometry.sheared(line, degrees: 20)
        let (_, report) = LineNormalizer(s).normalize(leaning)
        XCTAssertEqual(report.slantDegrees, -20, accuracy: 2)
    }

    /// On a line large enough that the slant search samples every other pixel (as real
    /// scans are), the angle is still found: the projection must not favour the shears that
    /// line the samples up on whole bins (it found 0° for three of these four).
    func testSlantIsFoundOnSubsampledLines() {
        var image = GrayImage(width: 1400, height: 120, fill: 0.9)
        Synthetic.line(on: &image, x: 40, baseline: 80, words: 14, slope: 0, ink: 0.1)
        XCTAssertGreaterThan(Geometry.inkSamplingStride(image), 1, "the line must be subsampled")
        for degrees in [-20.0, -8, 12, 25] {
            let found = Geometry.bestSlant(Geometry.sheared(image, degrees: degrees), maxDegrees: 30)
            XCTAssertEqual(found, -degrees, accuracy: 2, "a line leaning \(degrees)°")
        }
    }

    func testCropAndHeight() {
        var s = LineNormalization()
        s.height = 32
        s.margin = 2
        let (out, report) = LineNormalizer(s).normalize(syntheticLine())
        XCTAssertEqual(out.height, 32)
        let box = report.inkBox!
        XCTAssertEqual(box.x0, 38)   // first letter at x = 40, margin 2
        XCTAssertEqual(box.y0, 80 - 30 - 2)
        XCTAssertEqual(box.y1, 80 + 2)
        XCTAssertEqual(out.width, Int((Double(box.width) * 32 / Double(box.height)).rounded()))
    }

    func testEveryStepCanBeSwitchedOffAndIsDeterministic() {
        var s = LineNormalization()
        s.detectInversion = false; s.contrast = false; s.deskew = false; s.crop = false
        s.height = 120
        let line = syntheticLine()
        XCTAssertEqual(LineNormalizer(s).normalize(line).image, line, "identity when every step is off")
        XCTAssertEqual(LineNormalizer().normalize(line).image, LineNormalizer().normalize(line).image)
    }

    /// Bars of ink standing on a baseline that waves by ±`amplitude` px, one period along the line.
    func wavyLine(amplitude: Double, width: Int = 900, height: Int = 140) -> GrayImage {
        var image = GrayImage(width: width, height: height, fill: 0.9)
        for (k, x) in stride(from: 30, to: width - 30, by: 9).enumerated() where k % 6 != 5 {
            let baseline = 80 + Int((amplitude * sin(2 * Double.pi * Double(x) / Double(width))).rounded())
            let tall = k % 3 == 0 ? 30 : 20
            for y in (baseline - tall)..<baseline { for xx in x..<(x + 5) { image[xx, y] = 0.1 } }
        }
        return image
    }

    /// The lowest ink row of each column that has ink.
    func inkBottoms(_ image: GrayImage) -> [Int] {
        (0..<image.width).compactMap { x in (0..<image.height).last { image[x, $0] < 0.5 } }
    }

    /// Dewarping follows a wavy baseline and makes it straight: the bars' feet, 24 rows
    /// apart across the line before, land within 8 rows of one another (the centre is
    /// smoothed over about the writing's height, and lags most at the line's ends).
    func testDewarpStraightensAWavyBaseline() throws {
        let line = wavyLine(amplitude: 12)
        let before = inkBottoms(line)
        XCTAssertGreaterThanOrEqual(before.max()! - before.min()!, 23)
        let (center, half) = try XCTUnwrap(CenterLine.estimate(line, range: 4))
        let after = inkBottoms(CenterLine.dewarped(line, center: center, halfHeight: half))
        XCTAssertEqual(after.count, before.count, "no ink column is lost")
        XCTAssertLessThanOrEqual(after.max()! - after.min()!, 8, "a third of the wave or less is left")
        // A straight line stays straight, its centre row inside the bars.
        let (flat, _) = try XCTUnwrap(CenterLine.estimate(wavyLine(amplitude: 0), range: 4))
        XCTAssertLessThanOrEqual(flat.max()! - flat.min()!, 1)
        XCTAssertTrue((55...80).contains(flat[450]), "centre row \(flat[450])")
    }

    /// With cropping to the ink box a stray stroke (here 90 px tall, as a descender of the line
    /// above would be) sets the scale and shrinks the writing; with dewarping the writing's
    /// spread around its centre does, and the stray stroke is clipped to the band.
    func testDewarpScalesByTheWritingNotItsTallestStroke() {
        let clean = wavyLine(amplitude: 0, height: 200)
        var stray = clean
        for y in 20..<110 { for x in 200..<203 { stray[x, y] = 0.1 } }
        var plain = LineNormalization()
        plain.deskew = false
        var dewarp = plain
        dewarp.dewarp = true
        let widths = { (s: LineNormalization) in
            (LineNormalizer(s).normalize(clean).image.width, LineNormalizer(s).normalize(stray).image.width) }
        let (a, b) = widths(plain)
        XCTAssertLessThan(Double(b), 0.6 * Double(a), "the ink box of the stray stroke shrinks the line")
        let (c, d) = widths(dewarp)
        XCTAssertEqual(Double(d), Double(c), accuracy: 0.1 * Double(c), "the band hardly moves")
        let (_, report) = LineNormalizer(dewarp).normalize(clean)
        XCTAssertNotNil(report.bandHalfHeight)
        XCTAssertEqual(report.inkBox?.height, 2 * report.bandHalfHeight!, "the box is what was scaled")
        XCTAssertEqual(report.inkBox?.x0, 26, "columns cropped to the ink with the margin")
    }

    /// A line without ink has no centre: dewarping leaves it as cropping would, without a crash.
    func testDewarpOfABlankLine() {
        XCTAssertNil(CenterLine.estimate(GrayImage(width: 300, height: 60, fill: 0.9), range: 4))
        var s = LineNormalization()
        s.dewarp = true
        let (out, report) = LineNormalizer(s).normalize(GrayImage(width: 300, height: 60, fill: 0.9))
        XCTAssertEqual(out.height, 48)
        XCTAssertNil(report.bandHalfHeight)
    }

    /// The running-sum blur is a Gaussian of the asked σ: its variance, on an impulse.
    func testBoxBlurHasTheAskedVariance() {
        for sigma in [2.0, 7.5, 40] {
            var v = [Float](repeating: 0, count: 801)
            v[400] = 1
            BoxBlur.gaussian(&v, sigma: sigma, edges: .zero)
            let total = v.reduce(0, +)
            let variance = v.enumerated().reduce(0.0) { $0 + Double($1.element) * pow(Double($1.offset - 400), 2) } / Double(total)
            XCTAssertEqual(Double(total), 1, accuracy: 1e-4)
            XCTAssertEqual(variance.squareRoot(), sigma, accuracy: 0.08 * sigma + 0.3, "σ \(sigma)")
        }
    }

    func testFlattenRemovesIllumination() {
        var image = GrayImage(width: 200, height: 100)
        for y in 0..<100 { for x in 0..<200 { image[x, y] = 0.5 + 0.4 * Float(x) / 200 } }
        for x in 100..<104 { for y in 40..<60 { image[x, y] = 0.2 } }
        let flat = Flatten.apply(image, window: 40)
        XCTAssertEqual(flat[20, 10], 1, accuracy: 0.05)
        XCTAssertEqual(flat[180, 90], 1, accuracy: 0.05)
        XCTAssertLessThan(flat[101, 50], 0.8)
    }
}

final class LineAugmentationTests: XCTestCase {
    func line() -> GrayImage {
        var image = GrayImage(width: 60, height: 20)
        for x in 10..<50 { for y in 8..<12 { image[x, y] = 0 } }
        return image
    }

    func testSameSeedSameLineAndHeightKept() {
        let a = LineAugmentation()
        var g1 = SeededGenerator(seed: 3), g2 = SeededGenerator(seed: 3), g3 = SeededGenerator(seed: 4)
        let x = a.apply(line(), generator: &g1)
        XCTAssertEqual(x, a.apply(line(), generator: &g2))
        XCTAssertNotEqual(x, a.apply(line(), generator: &g3))
        XCTAssertEqual(x.height, 20)
        XCTAssertTrue((48...72).contains(x.width), "width \(x.width) outside the 0.8-1.2 scale")
        XCTAssertTrue(x.pixels.allSatisfy { $0 >= 0 && $0 <= 1 })
        // The ink survives: some dark pixels remain, and most of the paper stays light.
        XCTAssertGreaterThan(x.pixels.filter { $0 < 0.5 }.count, 60)
        XCTAssertGreaterThan(x.pixels.filter { $0 > 0.5 }.count, x.pixels.count / 2)
    }

    func testOffLeavesTheLineAlone() {
        var g = SeededGenerator(seed: 1)
        XCTAssertEqual(LineAugmentation.off.apply(line(), generator: &g), line())
    }

    func testStrokeFiltersThickenAndThin() {
        let thick = LineAugmentation.filter3x3(line(), pick: min)
        let thin = LineAugmentation.filter3x3(line(), pick: max)
        XCTAssertEqual(thick.pixels.filter { $0 == 0 }.count, 42 * 6)
        XCTAssertEqual(thin.pixels.filter { $0 == 0 }.count, 38 * 2)
    }

    func testThinningSparesStrokesItWouldErase() {
        // A 4 px stroke loses a row on each side; a 2 px stroke would vanish, so it is kept.
        XCTAssertEqual(LineAugmentation.thinned(line(), keep: 0.95).pixels.filter { $0 == 0 }.count, 38 * 2)
        var narrow = GrayImage(width: 60, height: 20)
        for x in 10..<50 { for y in 8..<10 { narrow[x, y] = 0 } }
        XCTAssertEqual(LineAugmentation.thinned(narrow, keep: 0.95), narrow)
        XCTAssertTrue(LineAugmentation.thinned(narrow, keep: 0).pixels.allSatisfy { $0 == 1 }, "keep 0 thins regardless")
        // Always drawn, thinning leaves the narrow stroke's ink on the line.
        var a = LineAugmentation.off
        a.thin = 1
        var g = SeededGenerator(seed: 5)
        XCTAssertEqual(a.apply(narrow, generator: &g), narrow)
    }
}

final class LineViewTests: XCTestCase {
    func line() -> GrayImage {
        var image = GrayImage(width: 60, height: 20)
        for x in 10..<50 { for y in 8..<12 { image[x, y] = 0 } }
        for y in 2..<18 { image[30, y] = 0 }
        return image
    }

    func testSpecsParseAndPrintBack() throws {
        let v = try LineView(spec: "x0.9s-5b1")
        XCTAssertEqual(v.widthScale, 0.9)
        XCTAssertEqual(v.shearDegrees, -5)
        XCTAssertEqual(v.stroke, 1)
        XCTAssertEqual(v.heightScale, 1)
        for spec in ["x0.9s-5b1", "y0.8", "b-1", "x1.1y0.9s10b2"] {
            XCTAssertEqual(try LineView(spec: spec).description, spec)
            XCTAssertEqual(try LineView(spec: try LineView(spec: spec).description), try LineView(spec: spec))
        }
        for (bad, why) in [("", "empty"), ("q1", "not one of"), ("x", "followed by a number"), ("x3", "0.5...2"),
                           ("b0", "stroke"), ("b1.5", "stroke"), ("x0.9x1.1", "twice"), ("s60", "shear")] {
            XCTAssertThrowsError(try LineView(spec: bad), bad) { error in
                let text = (error as? LineViewError)?.description ?? ""
                XCTAssertTrue(text.contains(why) && text.contains("x0.9"), "\(bad): \(text)")
            }
        }
    }

    func testViewsDistortAsTheySay() throws {
        let ink = { (image: GrayImage) in image.pixels.filter { $0 < 0.5 }.count }
        XCTAssertEqual(LineView().apply(line()), line())
        let narrow = try LineView(spec: "x0.5").apply(line())
        XCTAssertEqual(narrow.width, 30)
        XCTAssertEqual(narrow.height, 20)
        XCTAssertEqual(try LineView(spec: "x1.5").apply(line()).width, 90)
        // Shear widens the line to fit and moves the vertical stroke's ends apart.
        let sheared = try LineView(spec: "s20").apply(line())
        XCTAssertGreaterThan(sheared.width, 60)
        let column = { (image: GrayImage, y: Int) in (0..<image.width).filter { image[$0, y] < 0.5 } }
        XCTAssertNotEqual(column(sheared, 2), column(sheared, 17))
        // Vertical scaling keeps the height and pulls the writing towards the middle row.
        let short = try LineView(spec: "y0.5").apply(line())
        XCTAssertEqual(short.height, 20)
        let rows = (0..<20).filter { y in (0..<60).contains { short[$0, y] < 0.5 } }
        XCTAssertEqual(rows.first, 6)
        XCTAssertEqual(rows.last, 13)
        XCTAssertGreaterThan(ink(try LineView(spec: "b1").apply(line())), ink(line()))
        XCTAssertGreaterThan(ink(try LineView(spec: "b2").apply(line())), ink(try LineView(spec: "b1").apply(line())))
        // Thinning spares the one-pixel vertical stroke (it would vanish) and so leaves the line alone.
        XCTAssertEqual(try LineView(spec: "b-1").apply(line()), line())
    }
}
