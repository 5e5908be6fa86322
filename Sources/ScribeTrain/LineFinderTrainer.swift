import Foundation
import ScribeCore
import ScribeImage
import ScribeNN
import ScribeRecognition

/// Trains a `LineFinder` on page scans with ALTO/PAGE lines: random augmented crops with
/// core-band and region targets, per-pixel binary cross-entropy, Adam with warm-up and
/// cosine decay. Every `validateEvery` steps the whole finder runs on the validation pages
/// and its recall and precision (box IoU ≥ 0.5) are logged; the best model (recall, then
/// precision) is kept as OUTPUT/model.safetensors. Checkpoints are atomic; `resume`
/// continues a killed run; non-finite losses skip the batch (ten in a row stop the run).
public final class LineFinderTrainer {
    public let config: LineFinderConfig
    public var resume = false
    public var forceProgress = false
    /// Where progress lines go (standard error by default).
    public var log: @Sendable (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }

    public struct Summary {
        public var steps: Int, seconds: Double, bestRecall: Double, bestPrecision: Double, bestStep: Int
        public var peakMemoryMB: Double, modelPath: String
    }

    struct State: Codable {
        var step = 0, bestStep = -1, elapsed = 0.0
        var bestScore = -1.0, bestRecall = 0.0, bestPrecision = 0.0
    }

    public init(config: LineFinderConfig) { self.config = config }

    public func run() throws -> Summary {
        let c = config
        try FileManager.default.createDirectory(atPath: c.output, withIntermediateDirectories: true)
        let train = try Self.loadPages(c.trainPages, workingSide: c.workingSide, keepOriginal: false)
        let valid = try Self.loadPages(c.validPages, workingSide: c.workingSide, keepOriginal: true)
        log("\(c.name): \(train.count) training pages (\(train.reduce(0) { $0 + $1.lines.count }) lines), \(valid.count) validation pages (\(valid.reduce(0) { $0 + $1.referenceBoxes.count }) lines)")

        let network = LineFinderNetwork(widths: c.widths, seed: c.modelSeed)
        let adam = Adam(network.parameters, learningRate: Float(c.learningRate))
        let schedule = WarmUp(steps: c.warmupSteps, then: CosineDecay(base: Float(c.learningRate), minimum: Float(c.minLearningRate),
                                                                     totalSteps: max(1, c.steps - c.warmupSteps)))
        let checkpointPath = c.output + "/checkpoint.safetensors", modelPath = c.output + "/model.safetensors"
        let logPath = c.output + "/metrics.jsonl", fingerprint = Self.fingerprint(c)
        var state = State()
        var metrics: [EpochMetrics] = []
        if resume {
            state = try Self.restore(checkpointPath, network: network, optimizer: adam, fingerprint: fingerprint)
            metrics = try EpochMetrics.readLog(logPath).filter { $0.step <= state.step }
            log("resuming at step \(state.step) of \(c.steps)")
        }
        let finder = LineFinder(network: network, workingSide: c.workingSide)
        let cropper = LineCropper(side: c.crop, augmentation: c.augmentation)
        let cells = c.crop / LineFinderNetwork.stride
        var lossSum = 0.0, lossCount = 0, badInRow = 0, intervalStart = Date()
        let start = Date().timeIntervalSince1970 - state.elapsed
        var bar = ProgressBar(total: min(c.validateEvery, c.steps - state.step), label: "train", force: forceProgress)
        while state.step < c.steps {
            var g = SeededGenerator(seed: c.seed &* 1_000_003 &+ UInt64(state.step))
            // x is (B, 1, crop, crop); t is (B, 2, crop/4, crop/4)
            var x = Tensor(shape: [c.batch, 1, c.crop, c.crop]), t = Tensor(shape: [c.batch, 2, cells, cells])
            for b in 0..<c.batch {
                let (input, target) = cropper.crop(train[Int(g.next() % UInt64(train.count))], generator: &g)
                x.values.replaceSubrange((b * input.count)..<((b + 1) * input.count), with: input)
                t.values.replaceSubrange((b * target.count)..<((b + 1) * target.count), with: target)
            }
            network.zeroGradients()
            let logits = network.forward(x)
            let (loss, dLogits) = BinaryCrossEntropy.withLogits(logits, targets: t)
            if loss.isFinite {
                network.backward(dLogits)
                if c.clipNorm > 0 { _ = clipGradientNorm(network.parameters, maxNorm: Float(c.clipNorm)) }
                adam.learningRate = schedule.learningRate(atStep: state.step)
                adam.step()
                lossSum += loss; lossCount += 1; badInRow = 0
            } else {
                badInRow += 1
                guard badInRow < 10 else {
                    throw ConfigError(path: c.output, field: "training", reason: "the loss was not finite for 10 batches in a row at step \(state.step); lower training.learning_rate or resume from the last checkpoint")
                }
            }
            state.step += 1
            bar.advance(by: 1, detail: String(format: "loss %.4f", lossCount > 0 ? lossSum / Double(lossCount) : .nan))
            guard state.step % c.validateEvery == 0 || state.step == c.steps else { continue }

            let cropsPerSecond = Double(lossCount * c.batch) / max(Date().timeIntervalSince(intervalStart), 1e-9)
            let (recall, precision) = Self.evaluate(finder, on: valid)
            state.elapsed = Date().timeIntervalSince1970 - start
            let score = recall + 0.25 * precision
            var note = ""
            if score > state.bestScore {
                state.bestScore = score; state.bestRecall = recall; state.bestPrecision = precision; state.bestStep = state.step
                try finder.encoded(info: Self.info(c, state: state, train: train, valid: valid)).write(to: modelPath)
                note = " (best)"
            }
            metrics.append(EpochMetrics(epoch: state.step / c.validateEvery, step: state.step, trainLoss: lossCount > 0 ? lossSum / Double(lossCount) : .nan,
                                        validCER: 1 - recall, validWER: 1 - precision, learningRate: Double(adam.learningRate),
                                        skippedBatches: 0, framesPerSecond: cropsPerSecond,
                                        elapsedSeconds: state.elapsed, peakMemoryMB: ProcessMemory.peakMB()))
            try EpochMetrics.writeLog(metrics, to: logPath)
            try PNGWriter.write(TrainingCurve.render(metrics, title: "\(c.name): line finder", labels: ("missed", "extra"),
                                                    xLabel: "validation (every \(c.validateEvery) steps)"), to: c.output + "/curve.png")
            try Self.checkpoint(checkpointPath, finder: finder, optimizer: adam, state: state, fingerprint: fingerprint)
            bar.finish()
            bar = ProgressBar(total: min(c.validateEvery, c.steps - state.step), label: "train", force: forceProgress)
            log(String(format: "step %d: loss %.4f, validation recall %.1f%%, precision %.1f%%, %@ elapsed%@",
                              state.step, lossSum / Double(max(lossCount, 1)), recall * 100, precision * 100, ProgressBar.clock(state.elapsed), note))
            lossSum = 0; lossCount = 0; intervalStart = Date()
        }
        return Summary(steps: state.step, seconds: state.elapsed, bestRecall: state.bestRecall, bestPrecision: state.bestPrecision,
                       bestStep: state.bestStep, peakMemoryMB: ProcessMemory.peakMB(), modelPath: modelPath)
    }

    /// Recall (reference lines matched at box IoU ≥ 0.5) and precision (found lines matched)
    /// over all pages.
    static func evaluate(_ finder: LineFinder, on pages: [LinePage]) -> (recall: Double, precision: Double) {
        var matched = 0, references = 0, proposed = 0
        for page in pages {
            let found = finder.lines(in: page.original!)
            matched += LineMatching.recall(found: found.map(\.box), reference: page.referenceBoxes, iou: 0.5)
            references += page.referenceBoxes.count; proposed += found.count
        }
        return (Double(matched) / Double(max(references, 1)), Double(matched) / Double(max(proposed, 1)))
    }

    static func info(_ c: LineFinderConfig, state: State, train: [LinePage], valid: [LinePage]) -> [String: String] {
        ["name": c.name, "task": "line finding",
         "data": "\(train.count) training and \(valid.count) validation pages (\(URL(fileURLWithPath: c.trainPages).lastPathComponent), \(URL(fileURLWithPath: c.validPages).lastPathComponent))",
         "training": "step \(state.step) of \(c.steps), batch \(c.batch) crops of \(c.crop) px, \(ProgressBar.clock(state.elapsed))",
         "valid_recall": String(format: "%.4f", state.bestRecall), "valid_precision": String(format: "%.4f", state.bestPrecision)]
    }

    /// Loads the pages of a page manifest (`PageManifest`).
    static func loadPages(_ manifest: String, workingSide: Int, keepOriginal: Bool) throws -> [LinePage] {
        try PageManifest.read(manifest).map {
            try LinePage.load(image: $0.image, layout: $0.layout, workingSide: workingSide, keepOriginal: keepOriginal)
        }
    }

    static let stateKey = "scribe.line_finder.state", fingerprintKey = "scribe.line_finder.fingerprint"

    /// What a checkpoint must agree with to be resumed: the network, the pages, the crops
    /// and the seeds (not the step count or the learning-rate schedule, which may change).
    static func fingerprint(_ c: LineFinderConfig) -> String {
        Checkpoint.fingerprint(of: ["\(c.widths)", "\(c.workingSide)", "\(c.modelSeed)", "\(c.seed)", "\(c.batch)", "\(c.crop)",
                                    c.trainPages, "\(c.augmentation)"])
    }

    static func checkpoint(_ path: String, finder: LineFinder, optimizer: Adam, state: State, fingerprint: String) throws {
        var file = finder.encoded()
        for (k, v) in optimizer.stateTensors() { file.tensors["adam." + k] = v }
        file.metadata[stateKey] = String(decoding: try JSONEncoder().encode(state), as: UTF8.self)
        file.metadata[fingerprintKey] = fingerprint
        try file.write(to: path)
    }

    /// Loads a checkpoint into `network` and `optimizer`. A checkpoint written for another
    /// configuration is refused; one written before checkpoints carried a fingerprint is
    /// resumed unchecked.
    static func restore(_ path: String, network: LineFinderNetwork, optimizer: Adam, fingerprint: String) throws -> State {
        let file = try SafeTensors.load(path: path)
        if let written = file.metadata[fingerprintKey], written != fingerprint {
            throw TrainError.checkpoint(path: path, reason: Checkpoint.otherConfiguration)
        }
        let restored = try LineFinder.decode(file, source: path)
        guard restored.network.widths == network.widths else {
            throw SafeTensorsError.mismatch(source: path, reason: "the checkpoint's widths \(restored.network.widths) differ from the configuration's \(network.widths)")
        }
        for (p, q) in zip(network.parameters, restored.network.parameters) { p.value = q.value }
        var adam: [String: Tensor] = [:]
        for (k, v) in file.tensors where k.hasPrefix("adam.") { adam[String(k.dropFirst(5))] = v }
        try optimizer.restore(stateTensors: adam, source: path)
        guard let json = file.metadata[stateKey], let state = try? JSONDecoder().decode(State.self, from: Data(json.utf8)) else {
            throw SafeTensorsError.mismatch(source: path, reason: "training state missing from the checkpoint")
        }
        return state
    }
}
