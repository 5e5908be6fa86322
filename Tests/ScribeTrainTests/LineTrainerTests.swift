import Foundation
import XCTest
import ScribeCore
import ScribeDecode
import ScribeHTR
import ScribeImage
import ScribeNN
@testable import ScribeRecognition
@testable import ScribeTrain
import _ScribeTestSupport

/// The shared trainer with line images as its data source: a tiny convnet-window + BiLSTM
/// model learns the TinyLines script, and the file it writes reads new lines.
final class LineTrainerTests: XCTestCase {
    var folder = ""

    override func setUpWithError() throws {
        folder = try TinyCorpus.temporaryFolder(name)
        try TinyLines.write("train", count: 96, seed: 1, in: folder)
        try TinyLines.write("valid", count: 12, seed: 2, in: folder)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: folder) }

    func quiet() -> TrainOptions { TinyCorpus.quietOptions() }

    func testTinyLineModelLearnsAndReads() throws {
        let config = try TrainConfig.load(path: TinyLines.writeConfig(folder: folder, output: "run", epochs: 30))
        XCTAssertEqual(config.lineFrontEnd?.normalization.height, 16)
        XCTAssertEqual(config.lineFrontEnd?.normalization.sparseInk, true, "new configurations use the sparse-ink black point")
        let yaml = try String(contentsOfFile: folder + "/lines.yaml", encoding: .utf8)
        try yaml.replacingOccurrences(of: "height: 16", with: "height: 16\n  sparse_ink: false")
            .write(toFile: folder + "/plain.yaml", atomically: false, encoding: .utf8)
        XCTAssertEqual(try TrainConfig.load(path: folder + "/plain.yaml").lineFrontEnd?.normalization.sparseInk, false)
        try yaml.replacingOccurrences(of: "height: 16", with: "height: 16\n  dewarp: true\n  dewarp_range: 5")
            .write(toFile: folder + "/dewarp.yaml", atomically: false, encoding: .utf8)
        let dewarp = try TrainConfig.load(path: folder + "/dewarp.yaml").lineFrontEnd?.normalization
        XCTAssertEqual(dewarp?.dewarp, true)
        XCTAssertEqual(dewarp?.dewarpRange, 5)
        XCTAssertEqual(config.lineFrontEnd?.normalization.dewarp, false)
        XCTAssertNil(config.lineFrontEnd?.normalization.trimMargins)
        for (value, expected) in [("true", MarginTrim()), ("[0.25, 0.75]", MarginTrim(above: 0.75, to: 0.25))] {
            try yaml.replacingOccurrences(of: "height: 16", with: "height: 16\n  trim_margins: \(value)")
                .write(toFile: folder + "/trim.yaml", atomically: false, encoding: .utf8)
            XCTAssertEqual(try TrainConfig.load(path: folder + "/trim.yaml").lineFrontEnd?.normalization.trimMargins, expected, value)
        }
        try yaml.replacingOccurrences(of: "height: 16", with: "height: 16\n  trim_margins: [0.75, 0.25]")
            .write(toFile: folder + "/trim.yaml", atomically: false, encoding: .utf8)
        XCTAssertThrowsError(try TrainConfig.load(path: folder + "/trim.yaml"), "low above high")
        let summary = try Trainer(config: config, options: quiet()).run()
        XCTAssertLessThan(summary.bestCER, 0.1, "validation CER after 30 epochs")

        let model = try RecognitionModel(path: folder + "/run/model.safetensors")
        // model.init starts another run from these weights; another architecture is refused.
        let network = try NetworkSpec.build(model.file.architecture, inputSize: 16, seed: 9)
        try Trainer.initialize(network, spec: model.file.architecture, alphabet: model.alphabet, from: model.path)
        XCTAssertEqual(network.namedParameters().map(\.parameter.value), try model.makeNetwork().namedParameters().map(\.parameter.value))
        XCTAssertThrowsError(try Trainer.initialize(try NetworkSpec.build("[Cr3x3,6 Mp2x2 W8s2 Lbx8 Fl5]", inputSize: 16, seed: 1),
                                                    spec: "[Cr3x3,6 Mp2x2 W8s2 Lbx8 Fl5]", alphabet: model.alphabet, from: model.path))
        try checkAlphabetChange(model: model)
        XCTAssertEqual(model.input.kind, "image")
        XCTAssertEqual(model.file.architecture, "[Cr3x3,6 Mp2x2 W8s2 Lbx16 Fl5]")
        XCTAssertThrowsError(try model.makeRecognizer()) { XCTAssertTrue("\($0)".contains("handwriting model"), "\($0)") }
        var settings = DecodingSettings()
        settings.decoder = .greedy
        let reader = LineReader(recognizer: try model.makeLineRecognizer(),
                                decoder: try CTCDecoder(alphabet: model.alphabet, settings: settings))
        XCTAssertEqual(reader.columnsPerFrame, 2)
        var g = SeededGenerator(seed: 77)
        let image = TinyLines.image(for: "71 44", generator: &g)
        let line = try reader.read(GrayImage(image), path: "new.png")
        XCTAssertEqual(line.text, "71 44")
        // Characters come in reading order, inside the image, each near its glyph: the
        // glyphs' centres are 4.5 px after the left margin (6-14 px), then 12 px apart
        // within a word, and the second word starts 36 px after the first ends.
        let xs = line.characters.map { ($0.x0 + $0.x1) / 2 }
        XCTAssertEqual(xs, xs.sorted())
        let centres: [Double] = [0, 12, 30, 57, 69].map { 10 + 4.5 + $0 }
        for (c, centre) in zip(line.characters, centres) where c.symbol != " " {
            XCTAssertTrue(c.x0 >= 0 && c.x1 <= Double(image.width) && c.x0 < c.x1, "\(c)")
            XCTAssertEqual((c.x0 + c.x1) / 2, centre, accuracy: 10, "\(c.symbol)")
        }
        try checkViews(model: model, image: GrayImage(image), settings: settings)
    }

    /// model.init from a model of another alphabet (fine-tuning on a corpus that writes other
    /// symbols): the output rows follow the symbols, a new symbol keeps the fresh row, a symbol
    /// the run does not write is dropped, and every other weight is copied.
    func checkAlphabetChange(model: RecognitionModel) throws {
        let old = model.alphabet.symbols
        let symbols = Array(old.dropFirst()) + ["Z"]   // drop the first symbol, add one
        let alphabet = Alphabet(symbols: symbols)
        let spec = "[Cr3x3,6 Mp2x2 W8s2 Lbx16 Fl\(alphabet.classCount)]"
        let network = try NetworkSpec.build(spec, inputSize: 16, seed: 9)
        let fresh = try NetworkSpec.build(spec, inputSize: 16, seed: 9).namedParameters().map(\.parameter.value)
        let change = try XCTUnwrap(try Trainer.initialize(network, spec: spec, alphabet: alphabet, from: model.path))
        XCTAssertEqual(change, AlphabetChange(kept: old.count - 1, added: ["Z"], dropped: [old[0]]))
        XCTAssertTrue(change.description.contains("1 new start fresh (Z)"), change.description)
        let trained = try model.makeNetwork().namedParameters().map(\.parameter.value)
        let got = network.namedParameters().map(\.parameter.value)
        XCTAssertEqual(Array(got.dropLast(2)), Array(trained.dropLast(2)), "every layer but the output is copied")
        for (k, (weights, source)) in zip(got.suffix(2), trained.suffix(2)).enumerated() {
            let width = weights.count / alphabet.classCount, oldWidth = source.count / model.alphabet.classCount
            XCTAssertEqual(width, oldWidth)
            func row(_ t: Tensor, _ i: Int) -> [Float] { Array(t.values[i * width ..< (i + 1) * width]) }
            XCTAssertEqual(row(weights, 0), row(source, 0), "blank")
            for (i, s) in symbols.enumerated() where s != "Z" {
                XCTAssertEqual(row(weights, i + 1), row(source, old.firstIndex(of: s)! + 1), "symbol \(s)")
            }
            XCTAssertEqual(row(weights, symbols.count), row(fresh[fresh.count - 2 + k], symbols.count), "the new symbol's fresh row")
        }
        XCTAssertEqual(Trainer.withoutOutput("[Cr3x3,6 Lbx8 Fl97]"), "Cr3x3,6 Lbx8")
    }

    /// A reader with views reads the undistorted line first, exactly as without views, then
    /// one reading per view of the distorted line (fewer frames for a narrower view), and
    /// the ensemble decoder combines them into the text.
    func checkViews(model: RecognitionModel, image: GrayImage, settings: DecodingSettings) throws {
        let recognizer = try model.makeLineRecognizer()
        let views = [try LineView(spec: "x0.8"), try LineView(spec: "b1")]
        let reader = LineReader(recognizers: [recognizer], views: views,
                                decoder: try CTCDecoder(alphabet: model.alphabet, settings: settings))
        let line = LineNormalizer(recognizer.frontEnd.normalization).normalize(image).image
        let readings = try reader.readings(image, primaryLine: line)
        XCTAssertEqual(readings.count, 3)
        let plain = try recognizer.logProbabilities(image: image)
        // Read as one batch with its views: the same up to BLAS summation order.
        let close = { (a: FeatureMatrix, b: FeatureMatrix) in a.rows == b.rows && zip(a.values, b.values).allSatisfy { abs($0 - $1) < 1e-4 } }
        XCTAssertTrue(close(readings[0], plain))
        let narrow = try recognizer.logProbabilities(inputs: [recognizer.frontEnd.columns(views[0].apply(line))])[0]
        XCTAssertTrue(close(readings[1], narrow))
        XCTAssertLessThan(readings[1].rows, plain.rows)
        XCTAssertEqual(readings[2].rows, plain.rows)
        XCTAssertFalse(close(readings[2], plain), "bolder strokes change what the network sees")
        // The text is the ensemble decoder's choice over the three readings.
        let combined = try EnsembleDecoder(proposer: reader.decoder.copy()).decode(readings, path: "new.png")
        XCTAssertEqual(try reader.read(image, path: "new.png").text, combined.text)
    }

    /// A line model with dropout inside its convnet, stopped and resumed, ends with the
    /// weights of a run never interrupted: the image dropout masks are reseeded from the step.
    func testImageDropoutRunResumesOnTheSameCurve() throws {
        let layers = "Cr3x3,6 Do20 Mp2x2 W8s2 Do10 Lbx16"
        let straight = try TrainConfig.load(path: TinyLines.writeConfig(folder: folder, output: "straight", epochs: 2, augment: true, layers: layers))
        _ = try Trainer(config: straight, options: quiet()).run()
        let interrupted = try TrainConfig.load(path: TinyLines.writeConfig(folder: folder, output: "interrupted", epochs: 2, augment: true,
                                                                         layers: layers, name: "interrupted.yaml"))
        var options = quiet()
        options.stopAfterSteps = 6 // checkpoints every 4 steps: steps 5 and 6 are lost and redone
        XCTAssertTrue(try Trainer(config: interrupted, options: options).run().stoppedEarly)
        options.resume = true
        options.stopAfterSteps = nil
        XCTAssertFalse(try Trainer(config: interrupted, options: options).run().stoppedEarly)
        try assertSameCheckpoints(folder + "/straight", folder + "/interrupted")
    }

    /// The preview sheet stacks each picked line plainly, then its augmented draws: equal to
    /// the plain line with augmentation off, different with it on.
    func testAugmentationPreviewStacksPlainAndAugmentedDraws() throws {
        func blocks(augment: Bool) throws -> [[UInt8]] {
            let config = try TrainConfig.load(path: TinyLines.writeConfig(folder: folder, output: "run", epochs: 1, augment: augment))
            let sheet = try AugmentationPreview.sheet(config: config, entries: 2, draws: 2, seed: 4)
            XCTAssertEqual(sheet.height, 2 * (3 * 16 + 2 * 2) + 10)
            // Entry e, draw d starts at e·(3·16 + 2·2 + 10) + d·(16 + 2).
            return (0..<2).flatMap { e in (0..<3).map { d in
                let top = e * 62 + d * 18
                return Array(sheet.pixels[(top * sheet.width)..<((top + 16) * sheet.width)])
            } }
        }
        let off = try blocks(augment: false), on = try blocks(augment: true)
        XCTAssertEqual(off[1], off[0]); XCTAssertEqual(off[2], off[0]); XCTAssertEqual(off[4], off[3])
        XCTAssertNotEqual(off[0], off[3], "two different lines")
        XCTAssertEqual(on[0], off[0], "the first of each entry is the plain line")
        XCTAssertNotEqual(on[1], on[0]); XCTAssertNotEqual(on[2], on[1]); XCTAssertNotEqual(on[4], on[3])
        XCTAssertTrue(on[0].contains { $0 < 128 } && on[0].contains { $0 > 200 }, "dark ink on light paper")
    }

    /// Augmentation is drawn from the example's generator: the same seed gives the same
    /// input, another seed another one, and switched off the input is the plain line.
    func testLineAugmentationIsSeededAndSwitchable() throws {
        let entries = try Manifest.read(folder + "/train.tsv")
        let source = try LineDataSource(frontEnd: LineFrontEnd(normalization: { var n = LineNormalization(); n.height = 16; return n }()),
                                        augmentation: LineAugmentation(), frames: { $0 / 2 })
        var g1 = SeededGenerator(seed: 5), g2 = SeededGenerator(seed: 5), g3 = SeededGenerator(seed: 6)
        let a = try source.example(entries[0], augment: true, generator: &g1)
        XCTAssertEqual(a, try source.example(entries[0], augment: true, generator: &g2))
        XCTAssertNotEqual(a, try source.example(entries[0], augment: true, generator: &g3))
        let plain = try source.example(entries[0], augment: false, generator: &g1)
        XCTAssertEqual(plain, source.frontEnd.columns(try source.normalizedLine(entries[0])))
        XCTAssertEqual(try source.measure(entries[0]).steps, plain.rows / 2)
    }

    func testImageFrontEndFieldsAreChecked() throws {
        let path = try TinyLines.writeConfig(folder: folder, output: "run", epochs: 1)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        for (bad, expect) in [("  height: 16", "  height: 16\n  n_mels: 40"), ("  height: 16", "  height: 4"),
                              ("  rotation: 1", "  rotation: 1\n  speed: [0.9, 1.1]")] {
            try text.replacingOccurrences(of: bad, with: expect).write(toFile: path, atomically: false, encoding: .utf8)
            XCTAssertThrowsError(try TrainConfig.load(path: path), expect)
        }
    }

    /// A line whose transcript is too long for its image is named with advice for lines
    /// (not the speech front end's frame stacking).
    func testTooNarrowLineIsNamed() throws {
        let config = try TrainConfig.load(path: TinyLines.writeConfig(folder: folder, output: "run", epochs: 1))
        var manifest = try String(contentsOfFile: folder + "/train.tsv", encoding: .utf8)
        let image = manifest.split(separator: "\n")[1].split(separator: "\t")[1]
        if !manifest.hasSuffix("\n") { manifest += "\n" }
        manifest += "long\t\(image)\t\(String(repeating: "1 4 7 ", count: 40))\n"
        try manifest.write(toFile: folder + "/train.tsv", atomically: false, encoding: .utf8)
        XCTAssertThrowsError(try Trainer(config: config, options: quiet()).run()) { error in
            XCTAssertTrue("\(error)".contains("long: "), "\(error)")
            XCTAssertTrue("\(error)".contains("too narrow for its text"), "\(error)")
            XCTAssertFalse("\(error)".contains("front_end.stack"), "\(error)")
        }
    }
}
