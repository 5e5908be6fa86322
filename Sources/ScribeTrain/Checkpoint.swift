import Foundation
import ScribeCore
import ScribeNN

/// Where training stands: everything besides the weights and optimizer moments that a
/// resumed run needs to continue exactly where the checkpoint was written.
public struct TrainingState: Codable, Equatable, Sendable {
    /// Optimizer steps taken.
    public var step = 0
    /// Epoch in progress (0-based).
    public var epoch = 0
    /// Batches of `epoch` already trained on (its plan is recomputed from the seed).
    public var batchInEpoch = 0
    /// Best validation CER so far and the epoch it was reached (-1: none yet).
    public var bestCER = Double.infinity
    public var bestEpoch = -1
    /// Epochs since the validation CER last improved.
    public var epochsWithoutImprovement = 0
    /// Running sums for the epoch in progress.
    public var epochLossSum = 0.0
    public var epochBatches = 0
    public var epochSkipped = 0
    /// Consecutive skipped batches (the NaN guard stops training when it reaches the limit).
    public var consecutiveBad = 0
    /// Seconds spent training before this process started.
    public var elapsed = 0.0
    /// The data seed: batch plans and augmentation draws derive from it, the epoch and the
    /// example index, so it is the whole random state of the data side.
    public var dataSeed: UInt64 = 1
    /// Set when early stopping or the epoch limit ended training.
    public var finished = false

    enum CodingKeys: String, CodingKey {
        case step, epoch, batchInEpoch, bestCER, bestEpoch, epochsWithoutImprovement, epochLossSum, epochBatches,
             epochSkipped, consecutiveBad, elapsed, dataSeed, finished
    }

    public init() {}

    // bestCER is infinite before the first validation, which JSON cannot hold.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        step = try c.decode(Int.self, forKey: .step)
        epoch = try c.decode(Int.self, forKey: .epoch)
        batchInEpoch = try c.decode(Int.self, forKey: .batchInEpoch)
        bestCER = try c.decodeIfPresent(Double.self, forKey: .bestCER) ?? .infinity
        bestEpoch = try c.decode(Int.self, forKey: .bestEpoch)
        epochsWithoutImprovement = try c.decode(Int.self, forKey: .epochsWithoutImprovement)
        epochLossSum = try c.decode(Double.self, forKey: .epochLossSum)
        epochBatches = try c.decode(Int.self, forKey: .epochBatches)
        epochSkipped = try c.decode(Int.self, forKey: .epochSkipped)
        consecutiveBad = try c.decode(Int.self, forKey: .consecutiveBad)
        elapsed = try c.decode(Double.self, forKey: .elapsed)
        dataSeed = try c.decode(UInt64.self, forKey: .dataSeed)
        finished = try c.decode(Bool.self, forKey: .finished)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(step, forKey: .step)
        try c.encode(epoch, forKey: .epoch)
        try c.encode(batchInEpoch, forKey: .batchInEpoch)
        if bestCER.isFinite { try c.encode(bestCER, forKey: .bestCER) }
        try c.encode(bestEpoch, forKey: .bestEpoch)
        try c.encode(epochsWithoutImprovement, forKey: .epochsWithoutImprovement)
        try c.encode(epochLossSum, forKey: .epochLossSum)
        try c.encode(epochBatches, forKey: .epochBatches)
        try c.encode(epochSkipped, forKey: .epochSkipped)
        try c.encode(consecutiveBad, forKey: .consecutiveBad)
        try c.encode(elapsed, forKey: .elapsed)
        try c.encode(dataSeed, forKey: .dataSeed)
        try c.encode(finished, forKey: .finished)
    }
}

/// A checkpoint file: a model file (weights, alphabet, front end) plus the optimizer's
/// moments as the `adam.*` part and the training state as `scribe.train.state` metadata.
/// It is written atomically (temporary file, fsync, rename), so a run killed at any moment,
/// even by `kill -9`, finds the previous checkpoint or the new one intact.
public enum Checkpoint {
    static let stateKey = "scribe.train.state"
    static let configKey = "scribe.train.fingerprint"

    public static func write(model: ModelFile, network: Layer, optimizer: Adam, state: TrainingState,
                             fingerprint: String, to path: String) throws {
        var parts: [String: Tensor] = [:]
        for (k, v) in optimizer.stateTensors() { parts["adam." + k] = v }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let stateJSON = String(decoding: try encoder.encode(state), as: UTF8.self)
        try model.save(network, to: path, parts: parts, extraMetadata: [stateKey: stateJSON, configKey: fingerprint])
    }

    /// A short hash (64-bit FNV-1a, hexadecimal) of the fields a checkpoint must agree with.
    static func fingerprint(of fields: [String]) -> String {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in fields.joined(separator: "\u{0}").utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
        return String(h, radix: 16)
    }

    /// Why resuming from a checkpoint of another configuration is refused.
    static let otherConfiguration = "was written for another configuration (its network, alphabet, front end, data or seeds differ); start a new run in another output folder, or restore the configuration"

    /// Loads a checkpoint into `network` and `optimizer` (which must have the checkpoint's
    /// architecture) and returns the training state. `fingerprint` must match the one the
    /// checkpoint was written with: resuming under another configuration is refused.
    public static func restore(from path: String, into network: Layer, optimizer: Adam, fingerprint: String) throws -> TrainingState {
        let loaded = try ModelFile.load(path: path)
        guard loaded.metadata[configKey] == fingerprint else {
            throw TrainError.checkpoint(path: path, reason: otherConfiguration)
        }
        guard let json = loaded.metadata[stateKey],
              let state = try? JSONDecoder().decode(TrainingState.self, from: Data(json.utf8)) else {
            throw TrainError.checkpoint(path: path, reason: "has no readable training state (\(stateKey)); it is a model, not a checkpoint")
        }
        let mine = network.namedParameters(), theirs = loaded.network.namedParameters()
        guard mine.map(\.name) == theirs.map(\.name) else {
            throw TrainError.checkpoint(path: path, reason: "holds another architecture (\(loaded.network.spec))")
        }
        for (a, b) in zip(mine, theirs) { a.parameter.value = b.parameter.value }
        var adam: [String: Tensor] = [:]
        for (k, v) in loaded.parts where k.hasPrefix("adam.") { adam[String(k.dropFirst(5))] = v }
        try optimizer.restore(stateTensors: adam, source: path)
        return state
    }
}
