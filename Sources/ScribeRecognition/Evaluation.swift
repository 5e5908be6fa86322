import Foundation
import ScribeCore
import ScribeEval

/// Anything that turns an input file (audio or a line image) into CTC log-probabilities,
/// frames × classes. Recognizers keep per-call scratch state (layers cache their forward
/// passes), so each thread uses its own instance.
public protocol Recognizer {
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

/// Something that counts finished work, such as ScribeCore's `ProgressBar`.
public protocol ProgressSink: AnyObject, Sendable {
    func advance(by count: Int)
}

extension ProgressBar: ProgressSink {}

/// Errors of one manifest entry, naming its id and file.
public struct EntryError: Error, CustomStringConvertible {
    public let entry: ManifestEntry
    public let underlying: Error
    public init(entry: ManifestEntry, underlying: Error) {
        self.entry = entry
        self.underlying = underlying
    }
    public var description: String { "utterance \(entry.id) (\(entry.path)): \(underlying)" }
}

/// Runs recognition over a manifest in parallel and pairs the transcripts with the
/// references, in manifest order.
public enum Evaluation {
    /// Transcribes every entry on `threads` threads. `makeWorker` is called once per thread
    /// (networks and decoders keep scratch storage, so each thread gets its own); `progress`
    /// is advanced once per entry. Throws the error of the first failing entry in manifest
    /// order, naming its id and path.
    public static func run(entries: [ManifestEntry], threads: Int, progress: ProgressSink? = nil,
                           makeWorker: () throws -> (String) throws -> String) throws -> [UtterancePair] {
        let results = try eachFile(entries.map(\.path), threads: threads, progress: progress, makeWorker: makeWorker)
        return try entries.indices.map { i in
            switch results[i] {
            case .success(let text):
                return UtterancePair(id: entries[i].id, reference: entries[i].transcript, hypothesis: text)
            case .failure(let error):
                throw EntryError(entry: entries[i], underlying: error)
            }
        }
    }

    /// Runs `work` on every file on `threads` threads and returns each file's result (or
    /// error) in input order, so one bad file does not stop the others. `makeWorker` is
    /// called once per thread (networks and decoders keep scratch storage); `progress` is
    /// advanced once per file. Throws only if a worker cannot be made.
    public static func eachFile<R>(_ paths: [String], threads: Int, progress: ProgressSink? = nil,
                                   makeWorker: () throws -> (String) throws -> R) throws -> [Result<R, Error>] {
        var results = [Result<R, Error>?](repeating: nil, count: paths.count)
        let lock = NSLock()
        var setupError: Error?
        // Interleaved assignment (file i to worker i mod n) balances long and short files.
        let n = max(1, min(threads, paths.count))
        Workers.forEachChunk(count: n, threads: n) { range, _ in
            for worker in range {
                let work: (String) throws -> R
                do { work = try makeWorker() } catch {
                    lock.lock(); setupError = error; lock.unlock(); return
                }
                for i in stride(from: worker, to: paths.count, by: n) {
                    let r = Result { try work(paths[i]) }
                    lock.lock(); results[i] = r; lock.unlock()
                    progress?.advance(by: 1)
                }
            }
        }
        if let setupError { throw setupError }
        return results.map { $0! }
    }
}
