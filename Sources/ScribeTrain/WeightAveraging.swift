import Foundation
import ScribeNN

/// Averaging the weights of several epochs of one run (ESPnet's `average_nbest`, fairseq's
/// `average_checkpoints`): the element-wise mean of every network tensor, batch-norm running
/// statistics included. Late epochs of one run sit in the same basin of the loss, so their
/// mean is a model of its own, usually a little better on unseen data than any one of them.
public enum WeightAveraging {
    /// Loads into `network` the mean of its tensors over `paths` (model or checkpoint files
    /// whose network has `network`'s names and shapes; other parts such as an optimizer's
    /// moments are ignored). Sums are accumulated in double precision.
    public static func average(into network: Layer, paths: [String]) throws {
        guard !paths.isEmpty else {
            throw SafeTensorsError.mismatch(source: "weight averaging", reason: "no files to average")
        }
        let named = network.namedParameters()
        // sums[k]: [count of parameter k]
        var sums = named.map { [Double](repeating: 0, count: $0.parameter.value.count) }
        for path in paths {
            let file = try SafeTensors.load(path: path)
            for (k, (name, p)) in named.enumerated() {
                guard let t = file.tensors[name] else {
                    throw SafeTensorsError.mismatch(source: path, reason: "missing tensor \"\(name)\" of \(network.spec); only files of the same run can be averaged")
                }
                guard t.shape == p.value.shape else {
                    throw SafeTensorsError.mismatch(source: path, reason: "tensor \"\(name)\" has shape \(t.shape) but \(network.spec) needs \(p.value.shape)")
                }
                t.values.withUnsafeBufferPointer { v in
                    sums[k].withUnsafeMutableBufferPointer { s in
                        for i in 0..<v.count { s[i] += Double(v[i]) }
                    }
                }
            }
        }
        let scale = 1 / Double(paths.count)
        for (k, (_, p)) in named.enumerated() {
            p.value = Tensor(shape: p.value.shape, values: sums[k].map { Float($0 * scale) })
        }
    }

    /// The epochs (1-based) of the `count` lowest validation CERs in `metrics` that have a
    /// weights file, best first; ties go to the earlier epoch, as the trainer's best model does.
    public static func bestEpochs(_ metrics: [EpochMetrics], count: Int, available: (Int) -> Bool) -> [Int] {
        let ranked = metrics.filter { $0.validCER.isFinite && available($0.epoch) }
            .sorted { ($0.validCER, $0.epoch) < ($1.validCER, $1.epoch) }
        return ranked.prefix(count).map(\.epoch)
    }
}
