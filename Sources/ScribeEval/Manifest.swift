import Foundation
import ScribeCore

/// One utterance to evaluate: an input file and its reference transcript.
public struct ManifestEntry: Equatable, Sendable {
    public var id: String
    /// Input path; relative paths in the file are resolved against the manifest's folder.
    public var path: String
    public var transcript: String
}

/// Reads evaluation manifests: TSV lines `id<TAB>path<TAB>transcript`. Empty lines and
/// lines starting with `#` are skipped; an empty transcript is allowed.
public enum Manifest {
    public static func read(_ path: String) throws -> [ManifestEntry] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw EvalError.unreadable(path: path, reason: FileManager.default.fileExists(atPath: path) ? "cannot read the file" : "no such file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw EvalError.unreadable(path: path, reason: "not valid UTF-8 text")
        }
        return try parse(text, path: path)
    }

    /// Parses manifest text; relative input paths resolve against `path`'s folder.
    public static func parse(_ text: String, path: String) throws -> [ManifestEntry] {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        var entries: [ManifestEntry] = []
        var seen = Set<String>()
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.hasSuffix("\r") ? raw.dropLast() : raw
            if line.trimmingCharacters(in: .whitespaces).isEmpty || line.hasPrefix("#") { continue }
            let fields = line.split(separator: "\t", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3 || fields.count == 2 else {
                throw EvalError.malformed(path: path, line: i + 1, reason: "expected \"id<TAB>path<TAB>transcript\" but found \(fields.count) tab-separated field\(fields.count == 1 ? "" : "s")")
            }
            let id = String(fields[0]), file = String(fields[1])
            guard !id.isEmpty, !file.isEmpty else {
                throw EvalError.malformed(path: path, line: i + 1, reason: "the id and the path must not be empty")
            }
            guard seen.insert(id).inserted else {
                throw EvalError.malformed(path: path, line: i + 1, reason: "utterance id \"\(id)\" appears twice; ids must be unique")
            }
            let resolved = file.hasPrefix("/") ? file : folder.appendingPathComponent(file).path
            entries.append(ManifestEntry(id: id, path: resolved, transcript: fields.count == 3 ? String(fields[2]) : ""))
        }
        guard !entries.isEmpty else { throw EvalError.unreadable(path: path, reason: "the manifest lists no utterances") }
        return entries
    }
}

/// Runs a recognizer and a decoder over a manifest in parallel and pairs the transcripts
/// with the references, in manifest order.
public enum Evaluation {
    /// Decodes every entry on `threads` threads. `makeTranscriber` is called once per thread
    /// (decoders keep scratch storage); `progress` is advanced once per entry.
    /// Throws the error of the first failing entry in manifest order, naming its id and path.
    public static func run(entries: [ManifestEntry], recognizer: Recognizer, threads: Int,
                           progress: ProgressSink? = nil,
                           makeTranscriber: () -> (FeatureMatrix) throws -> String) throws -> [UtterancePair] {
        var results = [Result<String, Error>?](repeating: nil, count: entries.count)
        let lock = NSLock()
        Parallel.forEachChunk(count: entries.count, threads: threads) { range, _ in
            let transcribe = makeTranscriber()
            for i in range {
                let r = Result { try transcribe(recognizer.logProbabilities(forFile: entries[i].path)) }
                lock.lock(); results[i] = r; lock.unlock()
                progress?.advance(by: 1)
            }
        }
        return try entries.indices.map { i in
            switch results[i]! {
            case .success(let text):
                return UtterancePair(id: entries[i].id, reference: entries[i].transcript, hypothesis: text)
            case .failure(let error):
                throw EvalError.mismatch(reason: "utterance \(entries[i].id) (\(entries[i].path)): \(error)")
            }
        }
    }
}

/// Something that counts finished work, such as ScribeCore's `ProgressBar`.
public protocol ProgressSink: AnyObject, Sendable {
    func advance(by count: Int)
}

extension ProgressBar: ProgressSink {}
