import Foundation
import ScribeCore
import ScribeDecode
import ScribeNN
import ScribeRecognition

/// A problem with one manifest entry, found before training starts.
public struct EntryProblem: Error, CustomStringConvertible, Sendable {
    public let manifest: String
    public let line: Int
    public let id: String
    public let reason: String
    public var description: String { "\(manifest):\(line): \(id): \(reason)" }
}

/// Errors that stop training before or during the run.
public enum TrainError: Error, CustomStringConvertible {
    /// Manifest entries that cannot be trained on (without `--skip-bad`).
    case badEntries([EntryProblem], total: Int)
    /// Nothing is left to train or validate on.
    case empty(String)
    /// Too many consecutive batches gave a non-finite loss or gradient.
    case diverged(step: Int, badBatches: Int, lastLoss: Float)
    /// A checkpoint does not belong to this configuration or is unreadable.
    case checkpoint(path: String, reason: String)

    public var description: String {
        switch self {
        case let .badEntries(problems, total):
            let shown = problems.prefix(10).map { "  " + $0.description }.joined(separator: "\n")
            let more = problems.count > 10 ? "\n  ... and \(problems.count - 10) more" : ""
            return "\(problems.count) of \(total) manifest entries cannot be used:\n\(shown)\(more)\nFix them, or pass --skip-bad to leave them out (they are listed in the run folder's skipped.tsv)."
        case let .empty(what):
            return what
        case let .diverged(step, bad, loss):
            return "training stopped at step \(step): \(bad) consecutive batches had a non-finite loss or gradient (last loss \(loss)). Lower training.learning_rate or training.clip_norm, or check the data; resume from the last checkpoint with --resume."
        case let .checkpoint(path, reason):
            return "\(path): \(reason)"
        }
    }
}

/// A checked set of examples: manifest entries with their label sequences and lengths.
public struct TrainingSet: Sendable {
    public var entries: [ManifestEntry]
    /// labels[i] are entry i's classes (no blanks).
    public var labels: [[Int]]
    /// steps[i] is entry i's length in network steps (before augmentation).
    public var steps: [Int]
    /// Total audio (or image) seconds.
    public var seconds: Double
    /// Entries left out, with the reason.
    public var skipped: [EntryProblem]

    /// Reads `manifest`, measures every input and checks it against the alphabet. Problems are
    /// collected; without `skipBad` any problem throws, listing them. A validation set
    /// (`scoring`) may hold characters outside the alphabet: they are not trained on, only
    /// scored, and count as errors, as they will for any test set.
    public static func load(manifests: [String], split: String?, alphabet: Alphabet, source: TrainingDataSource,
                            maxDuration: Double, skipBad: Bool, threads: Int, scoring: Bool = false) throws -> TrainingSet {
        var entries: [ManifestEntry] = [], origin: [String] = []
        var firstUse: [String: String] = [:]
        for manifest in manifests {
            for e in try Manifest.read(manifest, split: split) {
                if let other = firstUse[e.id] {
                    throw ManifestError(path: manifest, line: e.line, reason: "id \"\(e.id)\" is also used in \(other); ids must be unique across the training manifests")
                }
                firstUse[e.id] = manifest
                entries.append(e); origin.append(manifest)
            }
        }
        var results = [Result<(labels: [Int], steps: Int, seconds: Double), EntryProblem>?](repeating: nil, count: entries.count)
        let lock = NSLock()
        Workers.forEachChunk(count: entries.count, threads: threads) { range, _ in
            for i in range {
                let r = check(entries[i], manifest: origin[i], alphabet: alphabet, source: source, maxDuration: maxDuration, scoring: scoring)
                lock.lock(); results[i] = r; lock.unlock()
            }
        }
        var set = TrainingSet(entries: [], labels: [], steps: [], seconds: 0, skipped: [])
        for (i, r) in results.enumerated() {
            switch r! {
            case .success(let ok):
                set.entries.append(entries[i]); set.labels.append(ok.labels); set.steps.append(ok.steps); set.seconds += ok.seconds
            case .failure(let problem):
                set.skipped.append(problem)
            }
        }
        if !set.skipped.isEmpty && !skipBad { throw TrainError.badEntries(set.skipped, total: entries.count) }
        guard !set.entries.isEmpty else { throw TrainError.empty("\(manifests.joined(separator: ", ")): no usable entries") }
        return set
    }

    static func check(_ e: ManifestEntry, manifest: String, alphabet: Alphabet, source: TrainingDataSource,
                      maxDuration: Double, scoring: Bool = false) -> Result<(labels: [Int], steps: Int, seconds: Double), EntryProblem> {
        func problem(_ why: String) -> Result<(labels: [Int], steps: Int, seconds: Double), EntryProblem> {
            .failure(EntryProblem(manifest: manifest, line: e.line, id: e.id, reason: why))
        }
        if e.transcript.trimmingCharacters(in: .whitespaces).isEmpty { return problem("empty transcript") }
        if scoring {
            do {
                let m = try source.measure(e)
                return .success(([], m.steps, m.seconds))
            } catch { return problem("\(error)") }
        }
        let outside = Set(e.transcript.map(String.init).filter { alphabet.classIndex(of: $0) == nil })
        if !outside.isEmpty {
            return problem("characters outside the model's alphabet: " + outside.sorted().map { "\"\($0)\"" }.joined(separator: ", "))
        }
        let labels: [Int]
        do { labels = try alphabet.labels(for: e.transcript) } catch { return problem("\(error)") }
        let measured: (steps: Int, seconds: Double)
        do { measured = try source.measure(e) } catch { return problem("\(error)") }
        if measured.seconds > maxDuration {
            return problem(String(format: "%.1f s is longer than data.max_duration (%.1f s)", measured.seconds, maxDuration))
        }
        let need = CTCLoss.framesNeeded(labels)
        if measured.steps < need {
            return problem("\(measured.steps) network steps are too few for its \(labels.count) characters (CTC needs \(need)); \(source.tooFewStepsAdvice)")
        }
        return .success((labels, measured.steps, measured.seconds))
    }

    /// The alphabet of a set of transcripts: every character that occurs, sorted.
    public static func alphabet(ofTranscriptsIn manifests: [String], split: String?) throws -> Alphabet {
        let entries = try manifests.flatMap { try Manifest.read($0, split: split) }
        let symbols = Set(entries.flatMap { $0.transcript.map(String.init) }).sorted()
        guard !symbols.isEmpty else { throw TrainError.empty("\(manifests.joined(separator: ", ")): the transcripts hold no characters") }
        return Alphabet(symbols: symbols, blank: 0)
    }
}
