import Foundation
import ScribeCore

/// How a transcript file is laid out.
public enum TranscriptFormat: String, CaseIterable, Sendable {
    /// `.tsv` → tsv, `.trn` → trn, anything else → lines.
    case auto
    /// One utterance per line; the line number is its id; empty lines are empty utterances.
    case lines
    /// `id<TAB>text` per line.
    case tsv
    /// sclite's trn: `text (id)` per line.
    case trn
}

/// One utterance of a transcript file.
public struct TranscriptEntry: Equatable, Sendable {
    public var id: String
    public var text: String
}

/// A transcript file's utterances, in file order.
public struct Transcript: Equatable, Sendable {
    public var path: String
    /// Whether ids come from the file (tsv, trn) rather than line numbers.
    public var keyed: Bool
    public var entries: [TranscriptEntry]

    /// Reads `path`; `format` `.auto` picks by extension.
    public static func read(_ path: String, format: TranscriptFormat = .auto) throws -> Transcript {
        guard let data = StandardStreams.contents(of: path) else {
            throw EvalError.unreadable(path: path, reason: FileManager.default.fileExists(atPath: path)
                ? "cannot read the file" : "no such file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw EvalError.unreadable(path: path, reason: "not valid UTF-8 text; convert it with iconv -t UTF-8")
        }
        return try parse(text, path: path, format: format)
    }

    /// Parses transcript text; `path` names it in errors and picks the `.auto` format.
    public static func parse(_ text: String, path: String, format: TranscriptFormat = .auto) throws -> Transcript {
        let lines = TextLines.split(text)
        var chosen = format
        if chosen == .auto {
            chosen = path.hasSuffix(".tsv") ? .tsv : path.hasSuffix(".trn") ? .trn : .lines
        }
        switch chosen {
        case .auto, .lines:
            return Transcript(path: path, keyed: false,
                              entries: lines.enumerated().map { TranscriptEntry(id: String($0.offset + 1), text: String($0.element)) })
        case .tsv:
            var entries: [TranscriptEntry] = []
            for (i, line) in lines.enumerated() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
                guard let tab = line.firstIndex(of: "\t") else {
                    throw EvalError.malformed(path: path, line: i + 1, reason: "expected \"id<TAB>text\" but the line has no tab; use --input-format lines for one utterance per line")
                }
                // A header row (id<TAB>text, as written by spreadsheets and manifests) is not an utterance.
                if entries.isEmpty && isHeader(line) { continue }
                entries.append(TranscriptEntry(id: String(line[..<tab]), text: String(line[line.index(after: tab)...])))
            }
            return try checked(Transcript(path: path, keyed: true, entries: entries))
        case .trn:
            var entries: [TranscriptEntry] = []
            for (i, line) in lines.enumerated() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
                let body = line.trimmingCharacters(in: .whitespaces)
                guard body.hasSuffix(")"), let open = body.lastIndex(of: "(") else {
                    throw EvalError.malformed(path: path, line: i + 1, reason: "expected \"text (utterance-id)\" as in sclite .trn files; the line does not end with a parenthesized id")
                }
                let id = body[body.index(after: open)..<body.index(before: body.endIndex)]
                entries.append(TranscriptEntry(id: String(id), text: body[..<open].trimmingCharacters(in: .whitespaces)))
            }
            return try checked(Transcript(path: path, keyed: true, entries: entries))
        }
    }

    /// Whether a TSV row names columns rather than holding an utterance: its first field is
    /// `id` (or `utterance`, `utt`) and its second a text column name.
    static func isHeader(_ line: Substring) -> Bool {
        let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard fields.count >= 2 else { return false }
        return ["id", "utterance", "utt", "utterance_id"].contains(fields[0])
            && ["text", "transcript", "reference", "hypothesis", "ref", "hyp", "sentence"].contains(fields[1])
    }

    static func checked(_ t: Transcript) throws -> Transcript {
        var seen: [String: Int] = [:]
        for (i, e) in t.entries.enumerated() {
            if let first = seen[e.id] {
                throw EvalError.mismatch(reason: "\(t.path): utterance id \"\(e.id)\" appears twice (entries \(first + 1) and \(i + 1)); ids must be unique")
            }
            seen[e.id] = i
        }
        return t
    }

    /// Pairs references with hypotheses: by line for plain text (the counts must agree), by
    /// id for keyed files (every reference needs a hypothesis and vice versa).
    public static func pair(reference: Transcript, hypothesis: Transcript) throws -> [UtterancePair] {
        if !reference.keyed || !hypothesis.keyed {
            guard reference.keyed == hypothesis.keyed else {
                throw EvalError.mismatch(reason: "\(reference.path) is \(reference.keyed ? "keyed by utterance id" : "plain text") but \(hypothesis.path) is \(hypothesis.keyed ? "keyed by utterance id" : "plain text"); give both in the same format (--input-format)")
            }
            guard reference.entries.count == hypothesis.entries.count else {
                throw EvalError.mismatch(reason: "\(reference.path) has \(reference.entries.count) lines but \(hypothesis.path) has \(hypothesis.entries.count); each line is one utterance (an empty line is an empty utterance), so the counts must match")
            }
            return zip(reference.entries, hypothesis.entries).map {
                UtterancePair(id: $0.id, reference: $0.text, hypothesis: $1.text)
            }
        }
        var hyps: [String: String] = [:]
        for e in hypothesis.entries { hyps[e.id] = e.text }
        let missing = reference.entries.filter { hyps[$0.id] == nil }.map(\.id)
        guard missing.isEmpty else {
            throw EvalError.mismatch(reason: "\(hypothesis.path) lacks \(missing.count) of the \(reference.entries.count) utterance ids in \(reference.path), e.g. \(missing.prefix(5).joined(separator: ", ")); add them (an empty text is allowed)")
        }
        let refIds = Set(reference.entries.map(\.id))
        let extra = hypothesis.entries.filter { !refIds.contains($0.id) }.map(\.id)
        guard extra.isEmpty else {
            throw EvalError.mismatch(reason: "\(hypothesis.path) has \(extra.count) utterance ids that \(reference.path) lacks, e.g. \(extra.prefix(5).joined(separator: ", ")); remove them or add their references")
        }
        return reference.entries.map { UtterancePair(id: $0.id, reference: $0.text, hypothesis: hyps[$0.id]!) }
    }
}
