import Foundation
import ScribeCore
import ScribeDecode
import ScribeEval
import ScribeImage
import ScribeNN
import ScribeRecognition

/// Options of one `scribe train` invocation (the configuration file holds the rest).
public struct TrainOptions: Sendable {
    /// Continue from the output folder's checkpoint.
    public var resume = false
    /// Threads for OpenBLAS and Scribe's kernels.
    public var threads = Workers.availableCores
    /// Leave out manifest entries that cannot be used instead of stopping.
    public var skipBad = false
    /// Show a progress bar even when standard error is not a terminal.
    public var forceProgress = false
    /// Stop (without a final checkpoint, as if killed) after this many steps in this process;
    /// tests use it to check that resuming reproduces an uninterrupted run.
    public var stopAfterSteps: Int?
    /// Where messages go (standard error by default).
    public var log: @Sendable (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }

    public init() {}
}

/// What a finished (or stopped) run reports.
public struct TrainSummary: Sendable {
    public var epochs: Int
    public var steps: Int
    public var bestCER: Double
    public var bestEpoch: Int
    public var seconds: Double
    public var peakMemoryMB: Double
    public var modelPath: String
    public var stoppedEarly: Bool
    /// The epochs whose weights were averaged into the saved model (empty: the best epoch's
    /// weights were kept; see `training.average_best`).
    public var averagedEpochs: [Int] = []
}

/// Trains a front end + stacked recurrent network + CTC model as a configuration describes:
/// checked manifests, bucketed batches prepared on a background thread, the training step
/// with its NaN guard and clipping, validation CER/WER by greedy decoding after every
/// epoch, the best model kept, early stopping, atomic checkpoints, a metrics log and a
/// training-curve picture.
public final class Trainer {
    public let config: TrainConfig
    public let options: TrainOptions

    /// The input side; nil: audio through the configuration's front end and augmentation.
    let source: TrainingDataSource?

    public init(config: TrainConfig, options: TrainOptions, source: TrainingDataSource? = nil) {
        self.config = config
        self.options = options
        self.source = source
    }

    /// Files in the output folder.
    public var checkpointPath: String { config.output + "/checkpoint.safetensors" }
    public var modelPath: String { config.output + "/model.safetensors" }
    public var metricsPath: String { config.output + "/metrics.jsonl" }
    public var curvePath: String { config.output + "/curve.png" }
    /// Weights of the epochs kept for averaging (`training.average_best`).
    public func epochWeightsPath(_ epoch: Int) -> String { config.output + String(format: "/epochs/epoch-%03d.safetensors", epoch) }

    public func run() throws -> TrainSummary {
        let startTime = Date()
        ComputeThreads.set(options.threads)
        let log = options.log
        try FileManager.default.createDirectory(atPath: config.output, withIntermediateDirectories: true)
        if !options.resume && FileManager.default.fileExists(atPath: checkpointPath) {
            throw TrainError.checkpoint(path: checkpointPath, reason: "a run already lives in this folder; pass --resume to continue it, or set output to another folder")
        }

        // Data: alphabet, checked manifests.
        let alphabet = try config.alphabetFile.map { try Alphabet.read($0) }
            ?? TrainingSet.alphabet(ofTranscriptsIn: config.trainManifests, split: config.trainSplit)
        guard alphabet.blank == 0 else { throw TrainError.empty("the alphabet's blank must be class 0") }
        // The network comes first: a line source needs its frame count to check lengths.
        let spec = config.spec(classes: alphabet.classCount)
        let network = try NetworkSpec.build(spec, inputSize: self.source?.inputSize ?? config.inputSize, seed: config.modelSeed)
        let source = try self.source ?? config.dataSource(frames: FrameCounter(network: network))
        let train = try TrainingSet.load(manifests: config.trainManifests, split: config.trainSplit, alphabet: alphabet, source: source,
                                         maxDuration: config.maxDuration, skipBad: options.skipBad, threads: options.threads)
        let valid = try TrainingSet.load(manifests: [config.validManifest], split: config.validSplit, alphabet: alphabet, source: source,
                                         maxDuration: .infinity, skipBad: options.skipBad, threads: options.threads, scoring: true)
        let skipped = train.skipped + valid.skipped
        if !skipped.isEmpty {
            log("skipping \(skipped.count) bad entries (listed in \(config.output)/skipped.tsv):")
            for p in skipped.prefix(5) { log("  \(p)") }
            try AtomicFile.write(skipped.map { "\($0.manifest)\t\($0.line)\t\($0.id)\t\($0.reason)\n" }.joined(),
                                 to: config.output + "/skipped.tsv")
        }
        if config.lineFrontEnd == nil {
            log(String(format: "train: %d utterances (%.2f h), valid: %d utterances (%.2f h), %d symbols + blank",
                       train.entries.count, train.seconds / 3600, valid.entries.count, valid.seconds / 3600, alphabet.symbols.count))
        } else {
            log("train: \(train.entries.count) lines (\(train.steps.reduce(0, +)) frames), valid: \(valid.entries.count) lines, \(alphabet.symbols.count) symbols + blank")
        }

        // Model and optimizer.
        if let initial = config.initialModel, !(options.resume && FileManager.default.fileExists(atPath: checkpointPath)) {
            let change = try Self.initialize(network, spec: spec, alphabet: alphabet, from: initial)
            log("weights from \(initial)" + (change.map { "; \($0)" } ?? ""))
        }
        network.skipInputGradient()
        let adam = Adam(network.parameters, learningRate: Float(config.learningRate),
                        weightDecay: Float(config.weightDecay), decoupledWeightDecay: true)
        let model = ModelFile(architecture: spec, inputSize: source.inputSize,
                              alphabet: ["<blank>"] + alphabet.symbols, blank: 0,
                              frontEnd: try config.frontEndJSON(), decoding: try config.decoding.json(),
                              info: ["name": config.name, "train_manifests": config.trainManifests.joined(separator: ", ")])
        let fingerprint = Self.fingerprint(config: config, spec: spec, alphabet: alphabet)
        log("model \(spec): \(network.parameterCount) parameters, \(source.inputSize) inputs per "
            + (config.lineFrontEnd == nil ? "\(Int(config.frontEnd.frameSeconds * 1000)) ms step" : "pixel column"))

        var state = TrainingState()
        state.dataSeed = config.seed
        var metrics: [EpochMetrics] = []
        if options.resume && FileManager.default.fileExists(atPath: checkpointPath) {
            state = try Checkpoint.restore(from: checkpointPath, into: network, optimizer: adam, fingerprint: fingerprint)
            metrics = try EpochMetrics.readLog(metricsPath).filter { $0.epoch <= state.epoch }
            log("resumed from \(checkpointPath): epoch \(state.epoch + 1), batch \(state.batchInEpoch), step \(state.step)")
        } else if options.resume {
            log("no checkpoint in \(config.output); starting a new run")
        }

        let maxSteps = config.lineFrontEnd == nil ? max(1, Int(config.batchSeconds / config.frontEnd.frameSeconds)) : config.batchFrames
        let stepsPerEpoch = BatchPlan.epoch(0, lengths: train.steps, maxSteps: maxSteps, maxBatch: config.maxBatch, seed: config.seed).count
        let schedule = Self.schedule(config: config, totalSteps: stepsPerEpoch * config.epochs)
        let step = TrainingStep(network: network, optimizer: adam, clipNorm: Float(config.clipNorm))
        let validInputs = try Self.inputs(of: valid, source: source, threads: options.threads)
        let dropouts = Self.dropoutLayers(network)
        let processStart = state.elapsed
        var stepsThisProcess = 0

        func saveCheckpoint() throws {
            state.elapsed = processStart + Date().timeIntervalSince(startTime)
            try Checkpoint.write(model: model, network: network, optimizer: adam, state: state,
                                 fingerprint: fingerprint, to: checkpointPath)
        }

        while !state.finished && state.epoch < config.epochs {
            let epoch = state.epoch
            let plan = BatchPlan.epoch(epoch, lengths: train.steps, maxSteps: maxSteps, maxBatch: config.maxBatch, seed: state.dataSeed)
            let seed = state.dataSeed
            let prefetcher = Prefetcher(count: plan.count, startingAt: state.batchInEpoch) { b in
                Self.prepare(batch: plan[b], index: b, set: train, source: source, seed: seed, epoch: epoch)
            }
            let bar = ProgressBar(total: plan.count, label: "epoch \(epoch + 1)/\(config.epochs)", force: options.forceProgress)
            bar.advance(by: state.batchInEpoch)
            let epochStart = Date()
            var framesThisEpoch = 0
            while let batch = prefetcher.next() {
                for f in batch.failures {
                    log("\nskipped \(train.entries[f.example].id): \(f.error)")
                }
                let lr = schedule(state.step)
                adam.learningRate = lr
                for (i, d) in dropouts.enumerated() { d.reseed(state.dataSeed &+ UInt64(state.step) &* 1_000_003 &+ UInt64(i)) }
                var result = StepResult(loss: .nan, gradientNorm: .nan, applied: false)
                if !batch.examples.isEmpty {
                    result = try step(inputs: batch.inputs, targets: batch.targets)
                }
                if result.applied {
                    state.consecutiveBad = 0
                    state.epochLossSum += Double(result.loss)
                    state.epochBatches += 1
                } else {
                    state.epochSkipped += 1
                    state.consecutiveBad += 1
                    let ids = batch.examples.prefix(4).map { train.entries[$0].id }.joined(separator: ", ")
                    log("\nstep \(state.step): batch skipped, loss \(result.loss), gradient norm \(result.gradientNorm) (examples \(ids)...)")
                    if state.consecutiveBad >= config.maxBadBatches {
                        prefetcher.cancel()
                        try saveCheckpoint()
                        throw TrainError.diverged(step: state.step, badBatches: state.consecutiveBad, lastLoss: result.loss)
                    }
                }
                state.step += 1
                state.batchInEpoch += 1
                stepsThisProcess += 1
                framesThisEpoch += batch.inputs.lengths.reduce(0, +)
                let fps = Double(framesThisEpoch) / max(Date().timeIntervalSince(epochStart), 1e-9)
                let meanLoss = state.epochBatches > 0 ? state.epochLossSum / Double(state.epochBatches) : .nan
                bar.advance(by: 1, detail: String(format: "step %d loss %.3f (avg %.3f) lr %.2e %.0f frames/s", state.step,
                                                  result.loss, meanLoss, lr, fps))
                if let stop = options.stopAfterSteps, stepsThisProcess >= stop {
                    prefetcher.cancel()
                    bar.finish()
                    return summary(state: state, startTime: startTime, processStart: processStart, stoppedEarly: true)
                }
                if state.step % config.checkpointEverySteps == 0 { try saveCheckpoint() }
            }
            bar.finish()

            // Validation, best model, early stopping, log and curve.
            let (cer, wer) = try Self.validate(network: network, inputs: validInputs, set: valid, alphabet: alphabet)
            let m = EpochMetrics(epoch: epoch + 1, step: state.step,
                                 trainLoss: state.epochBatches > 0 ? state.epochLossSum / Double(state.epochBatches) : .nan,
                                 validCER: cer, validWER: wer, learningRate: Double(adam.learningRate),
                                 skippedBatches: state.epochSkipped,
                                 framesPerSecond: Double(framesThisEpoch) / max(Date().timeIntervalSince(epochStart), 1e-9),
                                 elapsedSeconds: processStart + Date().timeIntervalSince(startTime),
                                 peakMemoryMB: ProcessMemory.peakMB())
            metrics.append(m)
            var note = ""
            if cer < state.bestCER || config.keep == .last {
                state.bestCER = cer
                state.bestEpoch = epoch + 1
                state.epochsWithoutImprovement = 0
                var best = model
                best.info["valid_cer"] = String(format: "%.4f", cer)
                best.info["valid_wer"] = String(format: "%.4f", wer)
                best.info["epoch"] = String(epoch + 1)
                try best.save(network, to: modelPath)
                note = config.keep == .last ? " (saved)" : " (best so far, saved)"
            } else {
                state.epochsWithoutImprovement += 1
            }
            log(String(format: "epoch %d: train loss %.4f, valid CER %.2f%%, WER %.2f%%, %.0f frames/s, %d skipped batches, peak memory %.0f MB%@",
                       epoch + 1, m.trainLoss, cer * 100, wer * 100, m.framesPerSecond, state.epochSkipped, m.peakMemoryMB, note))
            if config.averagesEpochs { try keepEpochWeights(epoch + 1, metrics: metrics, model: model, network: network) }
            state.epoch += 1
            state.batchInEpoch = 0
            state.epochLossSum = 0
            state.epochBatches = 0
            state.epochSkipped = 0
            if state.epochsWithoutImprovement >= config.patience {
                log("early stop: validation CER did not improve for \(config.patience) epochs (best \(String(format: "%.2f%%", state.bestCER * 100)) at epoch \(state.bestEpoch))")
                state.finished = true
            }
            if state.epoch >= config.epochs { state.finished = true }
            try EpochMetrics.writeLog(metrics, to: metricsPath)
            try PNGWriter.write(TrainingCurve.render(metrics, title: "\(config.name): \(spec)"), to: curvePath)
            try saveCheckpoint()
        }
        var result = summary(state: state, startTime: startTime, processStart: processStart, stoppedEarly: false)
        if config.averagesEpochs, let averaged = try averageBestEpochs(metrics: metrics, bestCER: state.bestCER, model: model, network: network,
                                                                           validate: { try Self.validate(network: $0, inputs: validInputs, set: valid, alphabet: alphabet) }) {
            result.averagedEpochs = averaged.epochs
            result.bestCER = averaged.cer
        }
        return result
    }

    // MARK: Weight averaging

    /// Saves this epoch's weights if it is among the `average_best` best so far, and deletes
    /// those no longer among them.
    func keepEpochWeights(_ epoch: Int, metrics: [EpochMetrics], model: ModelFile, network: Layer) throws {
        let exists = { FileManager.default.fileExists(atPath: self.epochWeightsPath($0)) }
        let keep = Set(WeightAveraging.bestEpochs(metrics, count: config.averageBest) { $0 == epoch || exists($0) })
        if keep.contains(epoch) {
            try FileManager.default.createDirectory(atPath: config.output + "/epochs", withIntermediateDirectories: true)
            try model.save(network, to: epochWeightsPath(epoch))
        }
        for m in metrics where !keep.contains(m.epoch) && exists(m.epoch) {
            try FileManager.default.removeItem(atPath: epochWeightsPath(m.epoch))
        }
    }

    /// At the end of a run: the mean of the kept epochs' weights, validated; saved as the
    /// model when its validation CER beats the best single epoch's. Nil when there was
    /// nothing to average or the mean was not better. Rerunning it (resuming a finished
    /// run) gives the same result. `validate` gives a network's validation CER and WER.
    func averageBestEpochs(metrics: [EpochMetrics], bestCER: Double, model: ModelFile, network: Layer,
                           validate: (Layer) throws -> (Double, Double)) throws -> (epochs: [Int], cer: Double)? {
        let epochs = WeightAveraging.bestEpochs(metrics, count: config.averageBest) {
            FileManager.default.fileExists(atPath: self.epochWeightsPath($0))
        }
        guard epochs.count > 1 else { return nil }
        try WeightAveraging.average(into: network, paths: epochs.map(epochWeightsPath))
        let (cer, wer) = try validate(network)
        let list = epochs.sorted().map(String.init).joined(separator: ", ")
        guard cer < bestCER else {
            options.log(String(format: "average of epochs %@: valid CER %.2f%%, not better than the best epoch's %.2f%%; kept the best epoch",
                               list, cer * 100, bestCER * 100))
            return nil
        }
        var averaged = model
        averaged.info["valid_cer"] = String(format: "%.4f", cer)
        averaged.info["valid_wer"] = String(format: "%.4f", wer)
        averaged.info["averaged_epochs"] = list
        try averaged.save(network, to: modelPath)
        options.log(String(format: "average of epochs %@: valid CER %.2f%%, WER %.2f%% (best epoch %.2f%%); saved as the model",
                           list, cer * 100, wer * 100, bestCER * 100))
        return (epochs, cer)
    }

    func summary(state: TrainingState, startTime: Date, processStart: Double, stoppedEarly: Bool) -> TrainSummary {
        TrainSummary(epochs: state.epoch, steps: state.step, bestCER: state.bestCER, bestEpoch: state.bestEpoch,
                     seconds: processStart + Date().timeIntervalSince(startTime), peakMemoryMB: ProcessMemory.peakMB(),
                     modelPath: modelPath, stoppedEarly: stoppedEarly)
    }

    // MARK: Pieces

    /// Loads, augments and pads one batch; examples that fail to load are reported and left out.
    static func prepare(batch: [Int], index: Int, set: TrainingSet, source: TrainingDataSource, seed: UInt64, epoch: Int) -> PreparedBatch {
        var inputs: [FeatureMatrix] = [], targets: [[Int]] = [], examples: [Int] = []
        var failures: [(example: Int, error: Error)] = []
        for i in batch {
            var g = BatchPlan.exampleGenerator(seed: seed, epoch: epoch, index: i)
            do {
                inputs.append(try source.example(set.entries[i], augment: true, generator: &g))
                targets.append(set.labels[i])
                examples.append(i)
            } catch {
                failures.append((i, error))
            }
        }
        let padded = inputs.isEmpty ? SequenceBatch(values: Tensor(shape: [1, 1, source.inputSize])) : SequenceBatch(padding: inputs)
        return PreparedBatch(index: index, inputs: padded, targets: targets, examples: examples, failures: failures)
    }

    /// Network inputs of a validation set (no augmentation), computed once.
    static func inputs(of set: TrainingSet, source: TrainingDataSource, threads: Int) throws -> [FeatureMatrix] {
        var out = [FeatureMatrix?](repeating: nil, count: set.entries.count)
        var firstError: Error?
        let lock = NSLock()
        Workers.forEachChunk(count: set.entries.count, threads: threads) { range, _ in
            for i in range {
                var g = SeededGenerator(seed: 0)
                do {
                    let x = try source.example(set.entries[i], augment: false, generator: &g)
                    lock.lock(); out[i] = x; lock.unlock()
                } catch {
                    lock.lock(); if firstError == nil { firstError = EntryError(entry: set.entries[i], underlying: error) }; lock.unlock()
                }
            }
        }
        if let firstError { throw firstError }
        return out.map { $0! }
    }

    /// Greedy-decodes the validation set in length-sorted batches; returns (CER, WER).
    public static func validate(network: Layer, inputs: [FeatureMatrix], set: TrainingSet, alphabet: Alphabet) throws -> (Double, Double) {
        let order = inputs.indices.sorted { inputs[$0].rows < inputs[$1].rows }
        var hypotheses = [String](repeating: "", count: inputs.count)
        let decoder = GreedyDecoder(alphabet: alphabet)
        var start = 0
        while start < order.count {
            let end = min(order.count, start + 16)
            let ids = Array(order[start..<end])
            let out = network.forward(SequenceBatch(padding: ids.map { inputs[$0] }), training: false)
            for (k, i) in ids.enumerated() {
                var m = out.sequence(k)
                Posteriors.logSoftmaxRows(&m)
                hypotheses[i] = decoder.decode(m).text
            }
            start = end
        }
        let pairs = set.entries.indices.map { UtterancePair(id: set.entries[$0].id, reference: set.entries[$0].transcript, hypothesis: hypotheses[$0]) }
        return (Scoring.score(pairs, unit: .char).errorRate, Scoring.score(pairs, unit: .word).errorRate)
    }

    /// Linear warm-up, then cosine decay to the minimum learning rate at the last step.
    static func schedule(config: TrainConfig, totalSteps: Int) -> (Int) -> Float {
        let (base, low, warm) = (config.learningRate, config.minLearningRate, config.warmupSteps)
        let total = max(totalSteps, warm + 1)
        return { step in
            if step < warm { return Float(base * Double(step + 1) / Double(warm)) }
            let p = min(1, Double(step - warm) / Double(total - warm))
            return Float(low + (base - low) * 0.5 * (1 + cos(.pi * p)))
        }
    }

    static func dropoutLayers(_ layer: Layer) -> [Reseedable] {
        switch layer {
        case let d as Dropout: return [d]
        case let w as ConvWindow: return w.layers.compactMap { $0 as? ImageDropout }
        case let s as Series: return s.layers.flatMap(dropoutLayers)
        case let p as Parallel: return p.branches.flatMap(dropoutLayers)
        case let r as Reversed: return dropoutLayers(r.inner)
        case let r as Residual: return dropoutLayers(r.inner)
        default: return []
        }
    }

    /// What a checkpoint must agree with to be resumed: everything that shapes the model,
    /// its inputs and the data order (not the epoch count, which may be raised).
    static func fingerprint(config: TrainConfig, spec: String, alphabet: Alphabet) -> String {
        Checkpoint.fingerprint(of: [spec, alphabet.symbols.joined(separator: "\u{1}"), (try? config.frontEndJSON()) ?? "",
                                    "\(config.seed)", "\(config.modelSeed)", "\(config.batchSeconds)", "\(config.maxBatch)",
                                    config.trainManifests.joined(separator: "\u{1}"), "\(config.augmentation)",
                                    config.lineFrontEnd == nil ? "" : "\(config.lineAugmentation)"])
    }
}

/// A network's frame count for an input length, shared with the data-loading threads
/// (`outputLength` reads only the layers' fixed geometry).
struct FrameCounter: @unchecked Sendable {
    let network: Layer
    func callAsFunction(_ inputLength: Int) -> Int { network.outputLength(inputLength: inputLength) }
}

extension TrainConfig {
    /// Values per network step of the configured front end.
    var inputSize: Int { lineFrontEnd?.inputSize ?? frontEnd.inputSize }

    /// The configured front end as the model file stores it.
    func frontEndJSON() throws -> String { try lineFrontEnd?.json() ?? frontEnd.json() }

    /// Audio or line images, as the front end says.
    func dataSource(frames: FrameCounter) throws -> TrainingDataSource {
        if let lineFrontEnd {
            return try LineDataSource(frontEnd: lineFrontEnd, augmentation: lineAugmentation, frames: { frames($0) })
        }
        return try AudioDataSource(frontEnd: frontEnd, augmentation: augmentation)
    }
}
