import ScribeCore
import ScribeImage
import ScribeNN
import XCTest
@testable import ScribeRecognition

final class LineFinderTests: XCTestCase {
    override func setUp() { ComputeThreads.set(1) }

    /// The U-Net's backward (two additive skips, upsampling, pooling) against central
    /// differences of Σ logits ⊙ probe, on a sample of every parameter tensor.
    func testNetworkGradientsMatchFiniteDifferences() {
        let net = LineFinderNetwork(widths: [2, 3, 3, 4], seed: 7)
        var g = SeededGenerator(seed: 8)
        // Distinct values, so that max-pooling winners do not swap under a ±1e-2 step.
        var x = Tensor(shape: [1, 1, 16, 32])
        for i in x.values.indices { x.values[i] = Float(g.nextUniform()) }
        for p in net.parameters { for i in p.value.values.indices { p.value.values[i] += Float(g.nextGaussian()) * 0.05 } }
        let y = net.forward(x)
        XCTAssertEqual(y.shape, [1, 2, 4, 8])
        var probe = Tensor(shape: y.shape)
        for i in probe.values.indices { probe.values[i] = Float(g.nextGaussian()) }
        func loss() -> Double { zip(net.forward(x).values, probe.values).reduce(0.0) { $0 + Double($1.0) * Double($1.1) } }
        net.zeroGradients()
        _ = net.forward(x)
        net.backward(probe)
        let eps: Float = 5e-4
        var checked = 0, bad: [String] = []
        for (name, p) in net.namedParameters() {
            for i in stride(from: 0, to: p.value.count, by: max(1, p.value.count / 6)) {
                let old = p.value.values[i]
                p.value.values[i] = old + eps; let plus = loss()
                p.value.values[i] = old - eps; let minus = loss()
                p.value.values[i] = old
                let numeric = (plus - minus) / Double(2 * eps), analytic = Double(p.grad.values[i])
                if abs(numeric - analytic) > 3e-3 + 3e-2 * abs(numeric) { bad.append("\(name)[\(i)]: analytic \(analytic), numeric \(numeric)") }
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 60)
        XCTAssertEqual(LineFinderNetwork.parameterCount(widths: net.widths), net.parameterCount)
        XCTAssertEqual(LineFinderNetwork.parameterCount(widths: [8, 16, 32, 64]), LineFinderNetwork().parameterCount)
        XCTAssertLessThanOrEqual(bad.count, 2, "gradients differ: \(bad)")   // a pooling tie may flip one or two
    }

    /// Reading a page keeps no layer's cache: the same logits, and the heap grows by little
    /// more than the logits, where a training forward keeps every unfolded input.
    func testReadingForwardKeepsNoCaches() throws {
        guard Allocator.bytesInUse != nil else { throw XCTSkip("the C library does not report heap use") }
        var g = SeededGenerator(seed: 9)
        var x = Tensor(shape: [1, 1, 256, 512])
        for i in x.values.indices { x.values[i] = Float(g.nextUniform()) }
        _ = LineFinderNetwork(widths: [2, 2, 2, 2]).forward(x)   // first-use allocations out of the way
        let reader = LineFinderNetwork(widths: [4, 8, 8, 16], seed: 2), trainer = LineFinderNetwork(widths: [4, 8, 8, 16], seed: 2)
        func growth(_ body: () -> Tensor) -> (Tensor, Int) {
            let before = Allocator.bytesInUse!
            let y = body()
            return (y, Allocator.bytesInUse! - before)
        }
        let (read, readGrowth) = growth { reader.forward(x, keepingCaches: false) }
        let (trained, trainGrowth) = growth { trainer.forward(x) }
        XCTAssertEqual(read, trained)
        let logits = read.count * MemoryLayout<Float>.size   // (1, 2, 64, 128)
        XCTAssertLessThan(readGrowth, logits + (256 << 10), "reading kept \(readGrowth) bytes")
        // The first convolution alone unfolds (1, 1·3·3, 256·512) values.
        XCTAssertGreaterThan(trainGrowth, 9 * 256 * 512 * MemoryLayout<Float>.size)
    }
}

final class LinePostprocessorTests: XCTestCase {
    /// Maps of `width × height` cells with core bands and regions drawn as rectangles.
    func maps(width: Int, height: Int, cores: [Box], regions: [Box]) -> LineMaps {
        var m = LineMaps(width: width, height: height)
        for b in cores { for y in b.y0..<b.y1 { for x in b.x0..<b.x1 { m.core[y * width + x] = 0.9 } } }
        for b in regions { for y in b.y0..<b.y1 { for x in b.x0..<b.x1 { m.region[y * width + x] = 0.9 } } }
        return m
    }

    func testTwoLinesWithTouchingRegionsStaySeparate() {
        // Cores at rows 10-11 and 18-19; one region covers both lines (touching ascenders).
        let m = maps(width: 60, height: 30, cores: [Box(x0: 5, y0: 10, x1: 50, y1: 12), Box(x0: 8, y0: 18, x1: 55, y1: 20)],
                     regions: [Box(x0: 4, y0: 5, x1: 56, y1: 24)])
        let lines = LinePostprocessor(maps: m, threshold: 0.5).lines()
        XCTAssertEqual(lines.count, 2)
        let first = lines[0], second = lines[1]
        XCTAssertEqual(first.polygon.map(\.x).min(), 5)
        XCTAssertEqual(second.polygon.map(\.x).max(), 55)
        // Baselines are the cores' lower edges.
        XCTAssertTrue(first.baseline.allSatisfy { $0.y == 12 }, "\(first.baseline)")
        XCTAssertTrue(second.baseline.allSatisfy { $0.y == 20 }, "\(second.baseline)")
        // The first line grows up by at most two core heights (4 rows) and down into the
        // region, but never into the second line's core.
        XCTAssertEqual(first.polygon.map(\.y).min(), 6)
        XCTAssertLessThanOrEqual(first.polygon.map(\.y).max()!, 18)
        XCTAssertGreaterThanOrEqual(second.polygon.map(\.y).min()!, 12)
    }

    func testFragmentsOfOneLineAreJoinedAndFarOnesAreNot() {
        // Three fragments on one row with gaps of 3 and 5 cells; one at another height; one
        // far to the right (gap 30 cells) on the first row.
        let m = maps(width: 120, height: 40, cores: [Box(x0: 2, y0: 10, x1: 20, y1: 12), Box(x0: 23, y0: 10, x1: 40, y1: 12),
                                                     Box(x0: 45, y0: 11, x1: 60, y1: 13), Box(x0: 10, y0: 25, x1: 50, y1: 27),
                                                     Box(x0: 90, y0: 10, x1: 110, y1: 12)],
                     regions: [])
        let lines = LinePostprocessor(maps: m, threshold: 0.5).lines()
        XCTAssertEqual(lines.count, 3, "\(lines.map { ($0.polygon.map(\.x).min()!, $0.polygon.map(\.y).min()!) })")
        let spans = lines.map { ($0.polygon.map(\.x).min()!, $0.polygon.map(\.x).max()!) }
        XCTAssertEqual(spans[0].0, 2); XCTAssertEqual(spans[0].1, 60)
        XCTAssertEqual(spans[1].0, 90, "lines sharing their height are read left to right")
        XCTAssertEqual(spans[2].0, 10)
    }

    func testSpecksAndEmptyMapsGiveNoLines() {
        XCTAssertTrue(LinePostprocessor(maps: maps(width: 20, height: 20, cores: [Box(x0: 3, y0: 3, x1: 5, y1: 4)], regions: []), threshold: 0.5).lines().isEmpty)
        XCTAssertTrue(LinePostprocessor(maps: LineMaps(width: 0, height: 0), threshold: 0.5).lines().isEmpty)
    }
}

final class LineFinderModelFileTests: XCTestCase {
    func testModelFileRoundTripsAndBadFilesAreNamed() throws {
        ComputeThreads.set(1)
        let finder = LineFinder(network: LineFinderNetwork(widths: [2, 2, 4, 4], seed: 3), workingSide: 256)
        let file = finder.encoded(info: ["data": "none"])
        let back = try LineFinder.decode(SafeTensors.decode(file.encode()), source: "m.safetensors")
        XCTAssertEqual(back.workingSide, 256)
        XCTAssertEqual(back.network.widths, [2, 2, 4, 4])
        XCTAssertEqual(back.metadata["scribe.info.data"], "none")
        var page = GrayImage(width: 120, height: 90, fill: 0.9)
        for y in 40..<50 { for x in 10..<100 { page[x, y] = 0.1 } }
        let x = LineFinder.prepare(page, workingSide: 256).image
        XCTAssertEqual(finder.probabilities(x).core, back.probabilities(x).core)
        XCTAssertEqual(finder.copy().probabilities(x).region, finder.probabilities(x).region)

        func failure(_ f: SafeTensors) -> String {
            do { _ = try LineFinder.decode(f, source: "m.safetensors"); return "" } catch { return "\(error)" }
        }
        var notOurs = file; notOurs.metadata["scribe.kind"] = nil
        XCTAssertTrue(failure(notOurs).contains("not a line-finder model"), failure(notOurs))
        var missing = file; missing.tensors["s6.2.bias"] = nil
        XCTAssertTrue(failure(missing).contains("network values"), failure(missing))
        var renamed = file; renamed.tensors["s6.2.bias2"] = renamed.tensors.removeValue(forKey: "s6.2.bias")
        XCTAssertTrue(failure(renamed).contains("s6.2.bias is missing"), failure(renamed))
        var huge = file; huge.metadata["scribe.line_finder.widths"] = "1024,1024,1024,1024"
        XCTAssertTrue(failure(huge).contains("need"), failure(huge))
        var nan = file; nan.tensors["s0.0.bias"]!.values[0] = .nan
        XCTAssertTrue(failure(nan).contains("NaN"), failure(nan))
        var widths = file; widths.metadata["scribe.line_finder.widths"] = "2,2,4"
        XCTAssertTrue(failure(widths).contains("widths"), failure(widths))
        XCTAssertThrowsError(try LineFinder.load("/nonexistent/finder.safetensors"))
    }

    func testPreparedPagesAreInkHighAtTheWorkingSize() {
        var page = GrayImage(width: 2000, height: 1000, fill: 0.8)
        for x in 100..<900 { page[x, 500] = 0.2 }
        let (image, scale) = LineFinder.prepare(page, workingSide: 1000)
        XCTAssertEqual(image.width, 1000); XCTAssertEqual(image.height, 500)
        XCTAssertEqual(scale, 2)
        XCTAssertEqual(image[10, 10], 0, accuracy: 1e-6, "paper is 0")
        XCTAssertGreaterThan(image[200, 250], 0.3, "ink is high")
    }
}

final class PageScoringTests: XCTestCase {
    func testLinesArePairedByPositionAndTheRestCountsAsDeletionsAndInsertions() {
        let reference: [(box: Box, text: String)] = [(Box(x0: 0, y0: 0, x1: 100, y1: 20), "abc"), (Box(x0: 0, y0: 30, x1: 100, y1: 50), "de  f")]
        let found: [(box: Box, text: String)] = [(Box(x0: 2, y0: 1, x1: 98, y1: 21), "abd"), (Box(x0: 0, y0: 200, x1: 50, y1: 220), "xyz")]
        let s = PageScore.score(found: found, reference: reference)
        XCTAssertEqual(s.referenceCharacters, 7, "white space runs count as one space")
        XCTAssertEqual(s.pairedLines, 1)
        XCTAssertEqual(s.pairedEdits, 1)
        XCTAssertEqual(s.deletions, 4)
        XCTAssertEqual(s.insertions, 3)
        XCTAssertEqual(s.cer, 8.0 / 7.0, accuracy: 1e-12)
        XCTAssertEqual(s.cerWithoutInsertions, 5.0 / 7.0, accuracy: 1e-12)
        let both = s + s
        XCTAssertEqual(both.edits, 16)
        XCTAssertEqual(both.cer, s.cer, accuracy: 1e-12)
    }

    func testSidewaysLinesAreRecognizedByTheirBaselineDirection() {
        var up = LayoutLine(id: "u", box: Box(x0: 0, y0: 0, x1: 20, y1: 200))
        up.baseline = [(15, 190), (14, 10)]
        var down = up; down.baseline = [(5, 10), (6, 190)]
        var flat = up; flat.baseline = [(0, 15), (200, 30)]
        XCTAssertEqual(PageReader.sideways(up), true)
        XCTAssertEqual(PageReader.sideways(down), false)
        XCTAssertNil(PageReader.sideways(flat))
        XCTAssertNil(PageReader.sideways(LayoutLine(id: "n", box: Box(x0: 0, y0: 0, x1: 20, y1: 200))))
    }

    func testQuarterTurnsMapPointsAsDocumented() {
        // 3 wide, 2 high: values 0...5 row by row.
        let image = GrayImage(width: 3, height: 2, pixels: [0, 1, 2, 3, 4, 5])
        let cw = image.quarterTurned(clockwise: true), ccw = image.quarterTurned(clockwise: false)
        XCTAssertEqual([cw.width, cw.height], [2, 3])
        XCTAssertEqual(cw.pixels, [3, 0, 4, 1, 5, 2])
        XCTAssertEqual(ccw.pixels, [2, 5, 1, 4, 0, 3])
        XCTAssertEqual(cw.quarterTurned(clockwise: false), image)
        // The centre of turned pixel (x, y) is the centre of page pixel (y, height − x) when clockwise.
        for y in 0..<cw.height { for x in 0..<cw.width {
            let (px, py) = (Float(y) + 0.5, Float(image.height) - (Float(x) + 0.5))
            XCTAssertEqual(cw[x, y], image[Int(px), Int(py)])
            let (qx, qy) = (Float(image.width) - (Float(y) + 0.5), Float(x) + 0.5)
            XCTAssertEqual(ccw[x, y], image[Int(qx), Int(qy)])
        } }
    }
}
