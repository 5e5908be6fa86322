import Foundation
import ScribeCore

/// One utterance or line: an input file, its transcript and what else the manifest says.
public struct ManifestEntry: Equatable, Sendable {
    /// Unique id (the path as written when the manifest has no id column).
    public var id: String
    /// Input path; relative paths in the file are resolved against the manifest's folder.
    public var path: String
    /// Reference transcript (may be empty for evaluation; training refuses empty ones).
    public var transcript: String
    /// Duration in seconds, if the manifest gives it.
    public var duration: Double?
    /// Speaker or writer, if given.
    public var speaker: String?
    /// Split name, if given.
    public var split: String?
    /// 1-based line in the manifest file, for error messages.
    public var line: Int

    public init(id: String, path: String, transcript: String, duration: Double? = nil,
                speaker: String? = nil, split: String? = nil, line: Int = 0) {
        self.id = id
        self.path = path
        self.transcript = transcript
        self.duration = duration
        self.speaker = speaker
        self.split = split
        self.line = line
    }
}

/// Errors reading a manifest: each names the file and, where there is one, the line.
public struct ManifestError: Error, CustomStringConvertible, Equatable {
    public let path: String
    /// 1-based line, 0 when the problem concerns the whole file.
    public let line: Int
    public let reason: String

    public init(path: String, line: Int = 0, reason: String) {
        self.path = path
        self.line = line
        self.reason = reason
    }

    public var description: String { line > 0 ? "\(path):\(line): \(reason)" : "\(path): \(reason)" }
}

/// Reads manifests, one format everywhere (`train`, `evaluate`, `transcribe --manifest`):
///
/// * TSV with a header row naming its columns: `path` (or `audio`, `image`,
///   `audio_filepath`), `text` (or `transcript`), and optionally `id` (default: the path as
///   written), `duration` (seconds), `speaker` (or `writer`) and `split`; other columns are
///   ignored. `../shared/data/cathy/transcripts.tsv` and `poilus/lines.tsv` are such files.
/// * NeMo-style JSON lines (`audio_filepath`, `text`, optional `duration`, `id`, `speaker`,
///   `split`), chosen by the `.jsonl` or `.json` extension.
/// * Header-less `id<TAB>path<TAB>transcript`, as earlier versions of `scribe evaluate` read.
///   A header-less file with another number of columns is refused rather than guessed at.
///
/// Paths are relative to the manifest's folder. CRLF line ends, a UTF-8 byte-order mark and
/// a missing final newline are normal; blank lines and lines starting with `#` are skipped.
public enum Manifest {
    static let pathColumns = ["path", "audio", "image", "audio_filepath"]
    static let textColumns = ["text", "transcript"]
    static let speakerColumns = ["speaker", "writer"]

    /// Reads `path`, keeping only entries whose `split` column equals `split` when given.
    public static func read(_ path: String, split: String? = nil) throws -> [ManifestEntry] {
        if let problem = FileCheck.problem(path), problem != "no such file" {
            throw ManifestError(path: path, reason: problem + "; expected a manifest (TSV with a header row, or JSON lines)")
        }
        guard let data = StandardStreams.contents(of: path) else {
            throw ManifestError(path: path, reason: FileManager.default.fileExists(atPath: path)
                ? "cannot read the file (check its permissions)" : "no such manifest file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ManifestError(path: path, reason: "not valid UTF-8 text; save the manifest as UTF-8")
        }
        return try parse(text, path: path, split: split)
    }

    /// Parses manifest text; relative input paths resolve against `path`'s folder, whose
    /// extension also chooses JSON lines.
    public static func parse(_ text: String, path: String, split: String? = nil) throws -> [ManifestEntry] {
        let ext = (path as NSString).pathExtension.lowercased()
        var entries = try (ext == "jsonl" || ext == "json") ? parseJSONLines(text, path: path) : parseTSV(text, path: path)
        if let split {
            guard entries.contains(where: { $0.split != nil }) else {
                throw ManifestError(path: path, reason: "--split \(split) was given but the manifest has no split column")
            }
            let names = Set(entries.compactMap(\.split))
            entries = entries.filter { $0.split == split }
            guard !entries.isEmpty else {
                throw ManifestError(path: path, reason: "no entry has split \"\(split)\"; the splits are: \(names.sorted().joined(separator: ", "))")
            }
        }
        guard !entries.isEmpty else { throw ManifestError(path: path, reason: "the manifest lists no utterances") }
        var seen: [String: Int] = [:]
        for e in entries {
            if let first = seen[e.id] {
                throw ManifestError(path: path, line: e.line, reason: "id \"\(e.id)\" was already used on line \(first); ids must be unique")
            }
            seen[e.id] = e.line
        }
        return entries
    }

    /// Lines of `text` with their 1-based numbers (BOM and CR removed by `TextLines`), blank
    /// and `#` lines skipped.
    static func lines(_ text: String) -> [(number: Int, text: Substring)] {
        TextLines.split(text).enumerated().compactMap { i, line in
            line.unicodeScalars.allSatisfy({ $0 == " " || $0 == "\t" }) || line.hasPrefix("#") ? nil : (i + 1, line)
        }
    }

    /// The tab-separated fields of a line (split on scalars: one pass, even over a huge line).
    static func fields(_ line: Substring) -> [Substring] {
        TextLines.fields(line, separator: 0x09)
    }

    /// A header cell as a column name: trimmed and lower-cased (cells too long to be a
    /// name are kept as they are, so a huge first line costs one pass).
    static func columnName(_ cell: Substring) -> String {
        cell.utf8.count > 64 ? String(cell.prefix(64)) + "…" : cell.trimmingCharacters(in: .whitespaces).lowercased()
    }

    static func resolve(_ file: String, folder: URL) -> String {
        file.hasPrefix("/") ? file : folder.appendingPathComponent(file).path
    }

    static func parseTSV(_ text: String, path: String) throws -> [ManifestEntry] {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        let rows = lines(text)
        guard let first = rows.first else { throw ManifestError(path: path, reason: "the manifest lists no utterances") }
        let header = fields(first.text).map(columnName)
        func column(_ names: [String]) -> Int? { header.firstIndex { names.contains($0) } }
        let pathColumn = column(pathColumns), textColumn = column(textColumns)
        var entries: [ManifestEntry] = []
        if pathColumn == nil && textColumn == nil {
            // No header: only the three-column id/path/transcript form is accepted.
            for (number, line) in rows {
                let fields = Self.fields(line)
                guard fields.count == 3 else {
                    throw ManifestError(path: path, line: number, reason: "expected a header row naming the columns (path<TAB>text, optionally id, duration, speaker, split) or header-less id<TAB>path<TAB>transcript lines, but found \(fields.count) tab-separated field\(fields.count == 1 ? "" : "s") and no header")
                }
                guard !fields[0].isEmpty, !fields[1].isEmpty else {
                    throw ManifestError(path: path, line: number, reason: "the id and the path must not be empty")
                }
                entries.append(ManifestEntry(id: String(fields[0]), path: resolve(String(fields[1]), folder: folder),
                                             transcript: String(fields[2]), line: number))
            }
            return entries
        }
        guard let pathColumn else {
            throw ManifestError(path: path, line: first.number, reason: "the header has no path column (one of: \(pathColumns.joined(separator: ", "))); it has: \(header.joined(separator: ", "))")
        }
        guard let textColumn else {
            throw ManifestError(path: path, line: first.number, reason: "the header has no text column (text or transcript); it has: \(header.joined(separator: ", "))")
        }
        let idColumn = column(["id"]), durationColumn = column(["duration"])
        let speakerColumn = column(speakerColumns), splitColumn = column(["split"])
        for (number, line) in rows.dropFirst() {
            let fields = Self.fields(line).map(String.init)
            guard fields.count == header.count else {
                throw ManifestError(path: path, line: number, reason: "\(fields.count) tab-separated fields but the header names \(header.count) columns (\(header.joined(separator: ", ")))")
            }
            let file = fields[pathColumn]
            guard !file.isEmpty else { throw ManifestError(path: path, line: number, reason: "the \(header[pathColumn]) column is empty") }
            var duration: Double?
            if let durationColumn, !fields[durationColumn].isEmpty {
                guard let d = Double(fields[durationColumn]), d.isFinite, d >= 0 else {
                    throw ManifestError(path: path, line: number, reason: "duration \"\(fields[durationColumn])\" is not a number of seconds")
                }
                duration = d
            }
            let id = idColumn.map { fields[$0] } ?? file
            guard !id.isEmpty else { throw ManifestError(path: path, line: number, reason: "the id column is empty") }
            entries.append(ManifestEntry(id: id, path: resolve(file, folder: folder), transcript: fields[textColumn],
                                         duration: duration, speaker: speakerColumn.map { fields[$0] },
                                         split: splitColumn.map { fields[$0] }, line: number))
        }
        return entries
    }

    static func parseJSONLines(_ text: String, path: String) throws -> [ManifestEntry] {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        var entries: [ManifestEntry] = []
        for (number, line) in lines(text) {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                throw ManifestError(path: path, line: number, reason: "not a JSON object; each line of a .jsonl manifest is one object such as {\"audio_filepath\": \"a.wav\", \"text\": \"hello\", \"duration\": 1.2}")
            }
            guard let file = pathColumns.lazy.compactMap({ object[$0] as? String }).first, !file.isEmpty else {
                throw ManifestError(path: path, line: number, reason: "missing \"audio_filepath\" (or \"path\"): the input file")
            }
            guard let transcript = textColumns.lazy.compactMap({ object[$0] as? String }).first else {
                throw ManifestError(path: path, line: number, reason: "missing \"text\": the transcript (a string)")
            }
            var duration: Double?
            if let d = object["duration"] {
                guard let n = d as? NSNumber, n.doubleValue.isFinite, n.doubleValue >= 0 else {
                    throw ManifestError(path: path, line: number, reason: "\"duration\" must be a number of seconds")
                }
                duration = n.doubleValue
            }
            entries.append(ManifestEntry(id: (object["id"] as? String) ?? file, path: resolve(file, folder: folder),
                                         transcript: transcript, duration: duration,
                                         speaker: speakerColumns.lazy.compactMap { object[$0] as? String }.first,
                                         split: object["split"] as? String, line: number))
        }
        return entries
    }
}
