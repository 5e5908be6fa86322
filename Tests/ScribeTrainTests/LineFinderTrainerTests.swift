import Foundation
import XCTest
import ScribeCore
import ScribeImage
import ScribeNN
import ScribeRecognition
@testable import ScribeTrain
import _ScribeTestSupport

/// The line-finder trainer on synthetic pages of TinyLines text with ALTO files written
/// here: a tiny U-Net trains for a few dozen steps, writes its model, log, curve and
/// checkpoint, and resumes from the checkpoint.
final class LineFinderTrainerTests: XCTestCase {
    var folder = ""

    override func setUpWithError() throws {
        folder = try TinyCorpus.temporaryFolder(name)
        var g = SeededGenerator(seed: 11)
        var rows = ["image\tlayout"]
        for i in 0..<4 {
            let texts = (0..<4).map { _ in TinyLines.randomText(&g) + " " + TinyLines.randomText(&g) }
            let (page, boxes) = TinyLines.page(texts, generator: &g)
            try PNGWriter.write(page, to: "\(folder)/page\(i).png")
            try Self.alto(page, boxes: boxes).write(toFile: "\(folder)/page\(i).xml", atomically: false, encoding: .utf8)
            rows.append("page\(i).png\tpage\(i).xml")
        }
        try (rows.prefix(4).joined(separator: "\n") + "\n").write(toFile: folder + "/train.tsv", atomically: false, encoding: .utf8)
        try ([rows[0], rows[4]].joined(separator: "\n") + "\n").write(toFile: folder + "/valid.tsv", atomically: false, encoding: .utf8)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: folder) }

    /// ALTO with each line's ink box as polygon and its lower edge as baseline.
    static func alto(_ page: Image8, boxes: [Box]) -> String {
        var lines = ""
        for (i, box) in boxes.enumerated() {
            var ink = Box(x0: box.x1, y0: box.y1, x1: box.x0, y1: box.y0)
            for y in box.y0..<box.y1 { for x in box.x0..<box.x1 where page.pixels[y * page.width + x] < 120 {
                ink = Box(x0: min(ink.x0, x), y0: min(ink.y0, y), x1: max(ink.x1, x + 1), y1: max(ink.y1, y + 1))
            } }
            lines += """
            <TextLine ID="l\(i)" HPOS="\(ink.x0)" VPOS="\(ink.y0)" WIDTH="\(ink.width)" HEIGHT="\(ink.height)" BASELINE="\(ink.x0) \(ink.y1) \(ink.x1) \(ink.y1)">
            <Shape><Polygon POINTS="\(ink.x0) \(ink.y0) \(ink.x1) \(ink.y0) \(ink.x1) \(ink.y1) \(ink.x0) \(ink.y1)"/></Shape></TextLine>

            """
        }
        return """
        <?xml version="1.0" encoding="UTF-8"?>
        <alto xmlns="http://www.loc.gov/standards/alto/ns-v4#"><Layout><Page WIDTH="\(page.width)" HEIGHT="\(page.height)">
        <PrintSpace><TextBlock ID="b">
        \(lines)</TextBlock></PrintSpace></Page></Layout></alto>
        """
    }

    func config(steps: Int, validateEvery: Int = 20, learningRate: Double = 0.01, widths: String = "[4, 4, 8, 8]",
                workingSide: Int = 256, crop: Int = 96) throws -> LineFinderConfig {
        let yaml = """
        task: lines
        name: tiny-finder
        output: run
        data:
          train: train.tsv
          valid: valid.tsv
        model:
          widths: \(widths)
          working_side: \(workingSide)
        training:
          steps: \(steps)
          batch: 4
          crop: \(crop)
          learning_rate: \(learningRate)
          warmup_steps: 5
          validate_every: \(validateEvery)
        augment:
          scale: [0.8, 1.25]
        """
        try yaml.write(toFile: folder + "/lines.yaml", atomically: false, encoding: .utf8)
        XCTAssertTrue(LineFinderConfig.isLineFinderConfig(folder + "/lines.yaml"))
        return try LineFinderConfig.load(path: folder + "/lines.yaml")
    }

    func testTinyLineFinderTrainsWritesItsFilesAndResumes() throws {
        ComputeThreads.set(1)
        let trainer = LineFinderTrainer(config: try config(steps: 40))
        trainer.log = { _ in }
        let summary = try trainer.run()
        XCTAssertEqual(summary.steps, 40)
        for file in ["model.safetensors", "checkpoint.safetensors", "metrics.jsonl", "curve.png"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: "\(folder)/run/\(file)"), file)
        }
        let log = try EpochMetrics.readLog(folder + "/run/metrics.jsonl")
        XCTAssertEqual(log.map(\.step), [20, 40])
        XCTAssertLessThan(log[1].trainLoss, log[0].trainLoss, "the loss falls")
        XCTAssertLessThan(log[1].trainLoss, 0.6, "below the 0.69 of an untrained network")
        let finder = try LineFinder.load(folder + "/run/model.safetensors")
        XCTAssertEqual(finder.network.widths, [4, 4, 8, 8])
        XCTAssertEqual(finder.metadata["scribe.info.name"], "tiny-finder")

        // Ten more steps from the checkpoint: the log goes on from step 40.
        let more = LineFinderTrainer(config: try config(steps: 60))
        more.resume = true
        more.log = { _ in }
        XCTAssertEqual(try more.run().steps, 60)
        XCTAssertEqual(try EpochMetrics.readLog(folder + "/run/metrics.jsonl").map(\.step), [20, 40, 60])

        // The checkpoint of another seed or network is not resumed.
        var reseeded = try config(steps: 80)
        reseeded.seed = 2
        var wider = try config(steps: 80)
        wider.widths = [4, 4, 8, 16]
        for changed in [reseeded, wider] {
            let other = LineFinderTrainer(config: changed)
            other.resume = true
            other.log = { _ in }
            XCTAssertThrowsError(try other.run()) { error in
                XCTAssertTrue("\(error)".contains("checkpoint.safetensors: was written for another configuration"), "\(error)")
            }
        }
    }

    /// Trained a little longer, the tiny finder finds the lines of a synthetic page it never
    /// saw, with boxes that match the known ones.
    func testTinyLineFinderFindsTheLinesOfANewPage() throws {
        ComputeThreads.set(1)
        let trainer = LineFinderTrainer(config: try config(steps: 240, validateEvery: 240, learningRate: 0.01, widths: "[4, 8, 8, 16]",
                                                                    workingSide: 512, crop: 128))
        trainer.log = { _ in }
        _ = try trainer.run()
        var finder = try LineFinder.load(folder + "/run/model.safetensors")
        // A network this small, trained this briefly, is still unsure of the thin core band
        // (its core probabilities peaked at 0.47 on this page when the test was written).
        finder.threshold = 0.3
        var g = SeededGenerator(seed: 99)
        let texts = (0..<5).map { _ in TinyLines.randomText(&g) + " " + TinyLines.randomText(&g) }
        let (page, boxes) = TinyLines.page(texts, generator: &g)
        let reference = try LayoutXML.parse(Data(Self.alto(page, boxes: boxes).utf8)).map(\.box)
        let found = finder.lines(in: GrayImage(page))
        let matched = LineMatching.recall(found: found.map(\.box), reference: reference, iou: 0.5)
        XCTAssertGreaterThanOrEqual(matched, 4, "found \(found.map(\.box)) for \(reference)")
    }

    func testBadConfigurationsAndManifestsAreNamed() throws {
        func failure(_ yaml: String) -> String {
            try? yaml.write(toFile: folder + "/bad.yaml", atomically: false, encoding: .utf8)
            do { _ = try LineFinderConfig.load(path: folder + "/bad.yaml"); return "" } catch { return "\(error)" }
        }
        XCTAssertTrue(failure("task: lines\ndata: {valid: v.tsv}").contains("data.train"))
        XCTAssertTrue(failure("task: lines\ndata: {train: t.tsv, valid: v.tsv}\ntraining: {crop: 100}").contains("multiple of 16"))
        XCTAssertTrue(failure("task: lines\ndata: {train: t.tsv, valid: v.tsv}\nmodel: {widths: [1, 2]}").contains("four channel counts"))
        XCTAssertTrue(failure("task: lines\ndata: {train: t.tsv, valid: v.tsv}\nshuffle: true").contains("unknown field"))
        try "path\tfile\n".write(toFile: folder + "/wrong.tsv", atomically: false, encoding: .utf8)
        XCTAssertThrowsError(try LineFinderTrainer.loadPages(folder + "/wrong.tsv", workingSide: 256, keepOriginal: false)) { error in
            XCTAssertTrue("\(error)".contains("image and layout"), "\(error)")
        }
        try "image\tlayout\nmissing.png\tpage0.xml\n".write(toFile: folder + "/missing.tsv", atomically: false, encoding: .utf8)
        XCTAssertThrowsError(try LineFinderTrainer.loadPages(folder + "/missing.tsv", workingSide: 256, keepOriginal: false)) { error in
            XCTAssertTrue("\(error)".contains("missing.png"), "\(error)")
        }
    }

    /// A crop of a page without augmentation, centred on a line: the core band lies just
    /// above the baseline and inside the region.
    func testCropTargetsFollowTheReferenceLines() throws {
        var image = GrayImage(width: 200, height: 100, fill: 0)
        for y in 40..<60 { for x in 20..<180 { image[x, y] = 1 } }
        let line = LinePage.Line(polygon: [(20, 40), (180, 40), (180, 60), (20, 60)], baseline: [(20, 56), (180, 56)], coreHeight: 8)
        let page = LinePage(name: "p", image: image, lines: [line], referenceBoxes: [], original: nil)
        var aug = PageAugmentation(); aug.enabled = false
        var g = SeededGenerator(seed: 1)
        // Crop centres are drawn at random: try until one lands on the line's middle.
        var found = false
        for _ in 0..<200 {
            let (input, t) = LineCropper(side: 64, augmentation: aug).crop(page, generator: &g)
            let cells = 16
            guard input[32 * 64 + 32] == 1, input[0] == 0 || input[0] == 1 else { continue }
            // Every core cell is also a region cell, and the core is 2 cells (8 px) high in each column.
            var coreRows = Set<Int>()
            for y in 0..<cells { for x in 0..<cells where t[y * cells + x] == 1 {
                XCTAssertEqual(t[cells * cells + y * cells + x], 1, "core cell \(x),\(y) outside the region")
                coreRows.insert(y)
            } }
            if coreRows.count == 2 { found = true; break }
        }
        XCTAssertTrue(found, "no crop showed the two-cell core band")
    }
}
