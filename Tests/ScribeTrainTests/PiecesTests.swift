import Foundation
import XCTest
import ScribeAudio
import ScribeCore
import ScribeDecode
import ScribeNN
@testable import ScribeRecognition
@testable import ScribeTrain
import _ScribeTestSupport

final class PiecesTests: XCTestCase {
    /// Stacking joins consecutive frames; the padded tail is zeros.
    func testFrameStacking() {
        let m = FeatureMatrix(rows: 5, columns: 2, values: (0..<10).map(Float.init))
        let s = FeatureTransforms.stackFrames(m, factor: 2)
        XCTAssertEqual(s.rows, 3)
        XCTAssertEqual(s.columns, 4)
        XCTAssertEqual(s.values, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 0])
        XCTAssertEqual(FeatureTransforms.stackFrames(m, factor: 1), m)
    }

    /// The preview draws audio frame by frame: unstacking undoes stacking (with its zero tail).
    func testPreviewUnstacksFrames() {
        let m = FeatureMatrix(rows: 5, columns: 2, values: (0..<10).map(Float.init))
        let back = AugmentationPreview.unstacked(FeatureTransforms.stackFrames(m, factor: 2), 2)
        XCTAssertEqual(back, FeatureMatrix(rows: 6, columns: 2, values: (0..<10).map(Float.init) + [0, 0]))
        XCTAssertEqual(AugmentationPreview.unstacked(m, 1), m)
    }

    /// Padding into a batch and slicing back gives the matrices unchanged.
    func testBatchRoundTrip() {
        var g = SeededGenerator(seed: 4)
        let ms = [3, 7, 1].map { n in FeatureMatrix(rows: n, columns: 3, values: (0..<(3 * n)).map { _ in Float(g.nextGaussian()) }) }
        let b = SequenceBatch(padding: ms)
        XCTAssertEqual(b.values.shape, [7, 3, 3])
        XCTAssertEqual(b.lengths, [3, 7, 1])
        for i in 0..<3 { XCTAssertEqual(b.sequence(i), ms[i]) }
        XCTAssertEqual(b.values[5, 0, 1], 0)
    }

    /// SpecAugment masks stay inside their limits and are a function of the seed.
    func testSpecAugment() {
        let base = FeatureMatrix(rows: 100, columns: 20, repeating: 1)
        var a = base, b = base
        var g1 = SeededGenerator(seed: 7), g2 = SeededGenerator(seed: 7)
        SpeechAugmentation.specAugment(&a, timeMasks: 2, maxTime: 10, frequencyMasks: 2, maxFrequency: 4, generator: &g1)
        SpeechAugmentation.specAugment(&b, timeMasks: 2, maxTime: 10, frequencyMasks: 2, maxFrequency: 4, generator: &g2)
        XCTAssertEqual(a, b)
        let zeros = a.values.filter { $0 == 0 }.count
        XCTAssertGreaterThan(zeros, 0)
        XCTAssertLessThanOrEqual(zeros, 2 * 10 * 20 + 2 * 4 * 100)
    }

    /// Noise lands at the requested signal-to-noise ratio; speed perturbation changes the length.
    func testWaveformAugmentation() throws {
        let x = (0..<8000).map { Float(sin(Double($0) * 0.05)) }
        var y = x
        var g = SeededGenerator(seed: 1)
        SpeechAugmentation.addNoise(&y, snr: 10, pink: false, generator: &g)
        let signal = x.reduce(0) { $0 + Double($1 * $1) }
        let noise = zip(x, y).reduce(0) { $0 + Double(($1.1 - $1.0) * ($1.1 - $1.0)) }
        XCTAssertEqual(10 * log10(signal / noise), 10, accuracy: 0.01)
        let fast = try SpeechAugmentation.speed(x, sampleRate: 8000, factor: 1.25)
        XCTAssertEqual(Double(fast.count), 6400, accuracy: 40)
    }

    /// Batches respect the step budget, cover every example once, and depend only on the seed and epoch.
    func testBatchPlan() {
        let lengths = (0..<200).map { 10 + ($0 * 37) % 90 }
        let plan = BatchPlan.epoch(3, lengths: lengths, maxSteps: 400, maxBatch: 16, seed: 9)
        XCTAssertEqual(plan.flatMap { $0 }.sorted(), Array(0..<200))
        for batch in plan {
            XCTAssertLessThanOrEqual(batch.count, 16)
            XCTAssertTrue(batch.count == 1 || batch.map { lengths[$0] }.max()! * batch.count <= 400)
        }
        XCTAssertEqual(plan, BatchPlan.epoch(3, lengths: lengths, maxSteps: 400, maxBatch: 16, seed: 9))
        XCTAssertNotEqual(plan, BatchPlan.epoch(4, lengths: lengths, maxSteps: 400, maxBatch: 16, seed: 9))
    }

    /// Long recordings are cut in their quietest stretch; subtitles never show negative times.
    func testChunkCutAndSubtitles() {
        var x = (0..<16_000).map { Float(sin(Double($0) * 0.3)) }
        for i in 12_000..<12_400 { x[i] = 0 } // a pause at 1.5 s
        let cut = Transcriber.cutPoint(x, limit: 16_000, sampleRate: 8000)
        XCTAssertTrue((12_000...12_400).contains(cut), "cut at \(cut)")
        let words = [TimedWord(text: "one", start: -0.02, end: 0.4, confidence: 1), TimedWord(text: "two", start: 2.0, end: 2.5, confidence: 1)]
        let cues = Subtitles.cues(words, maxWords: 10, maxGap: 0.8, maxDuration: 6)
        let srt = Subtitles.srt(cues)
        XCTAssertTrue(srt.hasPrefix("1\n00:00:00,000 --> 00:00:00,400\none\n\n2\n00:00:02,000 --> 00:00:02,500\ntwo\n"), srt)
        XCTAssertTrue(Subtitles.vtt(cues).hasPrefix("WEBVTT\n\n00:00:00.000 --> 00:00:00.400\none\n"))
    }

    /// Checkpoints are written atomically: no temporary file is left behind.
    func testAtomicWriteLeavesNoTemporaryFile() throws {
        let dir = try TinyCorpus.temporaryFolder("atomic")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try AtomicFile.write("one", to: dir + "/f.txt")
        try AtomicFile.write("two", to: dir + "/f.txt")
        XCTAssertEqual(try String(contentsOfFile: dir + "/f.txt", encoding: .utf8), "two")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["f.txt"])
        XCTAssertThrowsError(try AtomicFile.write("x", to: dir + "/missing/f.txt")) { XCTAssertTrue("\($0)".contains("missing/f.txt")) }
    }

    /// A curve's title that is wider than the picture (a long network spec) wraps at a space
    /// onto a second line, and only what does not fit in two lines is cut.
    func testCurveTitleWrapsInsteadOfRunningOffThePicture() {
        let spec = "poilus: [Cb3x3,16 Mp2x2 Cb3x3,32 Mp2x2 Cb3x3,48 Cb3x3,64 Mp2x1 Cb3x3,80 W40s4 Do20 Fl256 Lbx256 Do20 Lbx256 Do20 Fl97]"
        let lines = TrainingCurve.titleLines(spec, columns: 110)
        XCTAssertEqual(lines.count, 2)
        XCTAssertTrue(lines.allSatisfy { $0.count <= 110 }, "\(lines)")
        XCTAssertEqual(lines.joined(separator: " "), spec)
        XCTAssertEqual(TrainingCurve.titleLines("tiny: [Lbx8 Fl5]", columns: 110), ["tiny: [Lbx8 Fl5]"])
        XCTAssertEqual(TrainingCurve.titleLines("aaaa bbbb cccc dddd", columns: 9), ["aaaa bbbb", "cccc dddd"])
        XCTAssertEqual(TrainingCurve.titleLines("aaaa bbbb cccc dddd eeee", columns: 9), ["aaaa bbbb", "cccc dd.."])
    }
}
