import Foundation
import ScribeCore

/// Anything that turns an input file (audio or a line image) into CTC log-probabilities,
/// frames × classes. Trained Scribe models conform once they exist; tests use stand-ins.
public protocol Recognizer: Sendable {
    /// Natural-log class probabilities for the file at `path`.
    func logProbabilities(forFile path: String) throws -> FeatureMatrix
}

/// A recognizer that reads posteriors another system already computed: for input
/// `some/dir/utt1.wav` it loads `folder/utt1.npy`.
public struct PrecomputedPosteriors: Recognizer {
    public let folder: String

    public init(folder: String) { self.folder = folder }

    public func logProbabilities(forFile path: String) throws -> FeatureMatrix {
        let stem = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        return try Npy.read(URL(fileURLWithPath: folder).appendingPathComponent(stem + ".npy").path)
    }
}
