import Foundation
import XCTest
import ScribeCore
import ScribeNN
@testable import ScribeTrain
import _ScribeTestSupport

final class WeightAveragingTests: XCTestCase {
    var folder = ""

    override func setUpWithError() throws {
        folder = try TinyCorpus.folderWithSplits(name)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: folder) }

    /// Three models of one architecture (batch normalization's running statistics included)
    /// average to their element-wise mean; a file of another architecture is named.
    func testMeanOfThreeModels() throws {
        let spec = "[Cb3x3,4 Mp2x2 Cb1x3,6 W12s4 Fl6 Lbx5 Fl4]"
        let model = ModelFile(architecture: spec, inputSize: 16, alphabet: ["_", "a", "b", "c"])
        var paths: [String] = []
        var sums: [String: [Double]] = [:]
        for seed in 1...3 {
            let network = try NetworkSpec.build(spec, inputSize: 16, seed: UInt64(seed))
            var g = SeededGenerator(seed: UInt64(10 + seed))
            for (name, p) in network.namedParameters() {
                if !p.trainable { p.value = Tensor(shape: p.value.shape, values: p.value.values.map { _ in Float.random(in: 0.5...2, using: &g) }) }
                sums[name, default: [Double](repeating: 0, count: p.value.count)] =
                    zip(sums[name] ?? [Double](repeating: 0, count: p.value.count), p.value.values).map { $0 + Double($1) }
            }
            paths.append(folder + "/m\(seed).safetensors")
            try model.save(network, to: paths.last!)
        }
        let averaged = try NetworkSpec.build(spec, inputSize: 16, seed: 99)
        try WeightAveraging.average(into: averaged, paths: paths)
        XCTAssertTrue(averaged.namedParameters().contains { !$0.parameter.trainable }, "the test covers running statistics")
        for (name, p) in averaged.namedParameters() {
            for (i, v) in p.value.values.enumerated() {
                XCTAssertEqual(Double(v), sums[name]![i] / 3, accuracy: 1e-6, "\(name)[\(i)]")
            }
        }

        let other = ModelFile(architecture: "[Lbx5 Fl4]", inputSize: 16, alphabet: ["_", "a", "b", "c"])
        try other.save(try NetworkSpec.build("[Lbx5 Fl4]", inputSize: 16, seed: 1), to: folder + "/other.safetensors")
        XCTAssertThrowsError(try WeightAveraging.average(into: averaged, paths: [paths[0], folder + "/other.safetensors"])) {
            XCTAssertTrue("\($0)".contains("other.safetensors: missing tensor"), "\($0)")
        }
        XCTAssertThrowsError(try WeightAveraging.average(into: averaged, paths: []))
    }

    /// The best epochs by validation CER, among those with weights; ties go to the earlier
    /// epoch (the one the trainer saved as best), epochs without a finite CER never count.
    func testBestEpochs() {
        let cers = [0.9, 0.4, .nan, 0.3, 0.4, 0.35, 0.5]
        let metrics = cers.enumerated().map {
            EpochMetrics(epoch: $0.offset + 1, step: 0, trainLoss: 1, validCER: $0.element, validWER: 1, learningRate: 0,
                         skippedBatches: 0, framesPerSecond: 0, elapsedSeconds: 0, peakMemoryMB: 0)
        }
        XCTAssertEqual(WeightAveraging.bestEpochs(metrics, count: 3) { _ in true }, [4, 6, 2])
        XCTAssertEqual(WeightAveraging.bestEpochs(metrics, count: 3) { $0 != 6 }, [4, 2, 5])
        XCTAssertEqual(WeightAveraging.bestEpochs(metrics, count: 10) { _ in true }.count, 6)
    }

    /// With `average_best: 3` a run keeps the weights of its three best epochs and no
    /// others; the saved model is the mean of those if it validated better than the best
    /// epoch, else the best epoch itself (on this tiny run CER still falls every epoch, so it
    /// is the best epoch); resuming the finished run gives the same model.
    func testTrainerKeepsTheBestEpochsAndSavesTheBetterModel() throws {
        var config = try TinyCorpus.config(folder: folder, output: "run", epochs: 6)
        config.averageBest = 3
        let summary = try Trainer(config: config, options: TinyCorpus.quietOptions()).run()
        let metrics = try EpochMetrics.readLog(folder + "/run/metrics.jsonl")
        let best = WeightAveraging.bestEpochs(metrics, count: 3) { _ in true }
        let kept = try FileManager.default.contentsOfDirectory(atPath: folder + "/run/epochs").sorted()
        XCTAssertEqual(kept, best.sorted().map { String(format: "epoch-%03d.safetensors", $0) })

        let saved = try SafeTensors.load(path: folder + "/run/model.safetensors")
        let expected = try SafeTensors.load(path: folder + "/run/epochs/" + String(format: "epoch-%03d.safetensors", best[0]))
        XCTAssertEqual(summary.averagedEpochs, [], "the tiny run's CER falls every epoch")
        XCTAssertEqual(summary.bestCER, metrics.map(\.validCER).min()!)
        for (name, t) in expected.tensors { XCTAssertEqual(saved.tensors[name], t, name) }

        var resume = TinyCorpus.quietOptions()
        resume.resume = true
        let again = try Trainer(config: config, options: resume).run()
        XCTAssertEqual(again.averagedEpochs, summary.averagedEpochs)
        XCTAssertEqual(try SafeTensors.load(path: folder + "/run/model.safetensors").tensors, saved.tensors)
    }

    /// The end-of-run decision: the mean of the best epochs replaces the model only when its
    /// validation CER is lower than the best epoch's, and then carries its epochs and CER.
    func testTheMeanIsSavedOnlyWhenItValidatesBetter() throws {
        var config = try TinyCorpus.config(folder: folder, output: "run", epochs: 1)
        config.averageBest = 2
        let trainer = Trainer(config: config, options: TinyCorpus.quietOptions())
        let spec = "[Lbx3 Fl5]"
        let model = ModelFile(architecture: spec, inputSize: 4, alphabet: ["_", " ", "a", "b", "c"])
        try FileManager.default.createDirectory(atPath: folder + "/run/epochs", withIntermediateDirectories: true)
        for epoch in 1...3 { try model.save(try NetworkSpec.build(spec, inputSize: 4, seed: UInt64(epoch)), to: trainer.epochWeightsPath(epoch)) }
        let metrics = [0.5, 0.2, 0.3].enumerated().map {
            EpochMetrics(epoch: $0.offset + 1, step: 0, trainLoss: 1, validCER: $0.element, validWER: 1, learningRate: 0,
                         skippedBatches: 0, framesPerSecond: 0, elapsedSeconds: 0, peakMemoryMB: 0)
        }
        let network = try NetworkSpec.build(spec, inputSize: 4, seed: 9)

        XCTAssertNil(try trainer.averageBestEpochs(metrics: metrics, bestCER: 0.2, model: model, network: network) { _ in (0.2, 0.5) })
        XCTAssertFalse(FileManager.default.fileExists(atPath: trainer.modelPath), "a mean that is not better is not saved")

        let chosen = try trainer.averageBestEpochs(metrics: metrics, bestCER: 0.2, model: model, network: network) { _ in (0.15, 0.4) }
        XCTAssertEqual(chosen?.epochs, [2, 3])
        XCTAssertEqual(chosen?.cer, 0.15)
        let saved = try ModelFile.load(path: trainer.modelPath)
        XCTAssertEqual(saved.model.info["averaged_epochs"], "2, 3")
        XCTAssertEqual(saved.model.info["valid_cer"], "0.1500")
        let two = try ModelFile.load(path: trainer.epochWeightsPath(2)).network.namedParameters()
        let three = try ModelFile.load(path: trainer.epochWeightsPath(3)).network.namedParameters()
        for (k, (name, p)) in saved.network.namedParameters().enumerated() {
            for i in 0..<p.value.count {
                XCTAssertEqual(p.value.values[i], (two[k].parameter.value.values[i] + three[k].parameter.value.values[i]) / 2, accuracy: 1e-6, name)
            }
        }
    }

    /// `training.keep: last` saves every epoch over the previous one and never stops early:
    /// with a learning rate too small to change the greedy output, the validation CER is flat,
    /// so `best` keeps epoch 1 and stops after `patience` epochs while `last` runs the whole
    /// schedule and keeps its last epoch.
    func testKeepLastSavesTheLastEpochOfAFixedSchedule() throws {
        func run(_ keep: ModelSelection, output: String) throws -> (TrainSummary, String?) {
            var config = try TinyCorpus.config(folder: folder, output: output, epochs: 4)
            config.learningRate = 1e-7
            config.minLearningRate = 1e-7
            config.patience = 1
            config.averageBest = 2
            config.keep = keep
            let summary = try Trainer(config: config, options: TinyCorpus.quietOptions()).run()
            return (summary, try ModelFile.load(path: folder + "/\(output)/model.safetensors").model.info["epoch"])
        }
        let (best, bestEpoch) = try run(.best, output: "best")
        XCTAssertEqual(best.epochs, 2, "a flat validation CER stops the default run after patience epochs")
        XCTAssertEqual(bestEpoch, "1")
        let (last, lastEpoch) = try run(.last, output: "last")
        XCTAssertEqual(last.epochs, 4)
        XCTAssertEqual(last.bestEpoch, 4)
        XCTAssertEqual(lastEpoch, "4")
        XCTAssertEqual(last.averagedEpochs, [], "no averaging when the last epoch is kept")
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/last/epochs"), "no epoch weights kept for averaging")
    }
}
