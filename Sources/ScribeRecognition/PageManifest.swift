import Foundation
import ScribeCore

/// A list of page scans with their layout files: TSV whose header names an `image` and a
/// `layout` column (ALTO or PAGE XML); paths are relative to the manifest's folder. Used to
/// train and evaluate line finding and page reading (`scripts/corpus-poilus-pages`).
public enum PageManifest {
    public struct Entry: Equatable, Sendable {
        public var image: String
        public var layout: String
    }

    public static func read(_ path: String) throws -> [Entry] {
        func bad(_ reason: String) -> ManifestError { ManifestError(path: path, reason: reason) }
        if let problem = FileCheck.problem(path) { throw bad(problem + "; expected a page manifest (TSV with the columns image and layout)") }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw bad("cannot read the page manifest as UTF-8 text")
        }
        let lines = TextLines.split(text)
        guard let header = lines.first, !header.isEmpty else { throw bad("the page manifest is empty; expected a header line `image<TAB>layout` and one page per line") }
        let columns = header.split(separator: "\t").map(String.init)
        guard let ic = columns.firstIndex(of: "image"), let lc = columns.firstIndex(of: "layout") else {
            throw bad("the header must name the columns image and layout (tab-separated), got: \(header)")
        }
        func resolve(_ p: String) -> String { RelativePath.resolve(p, againstFolderOf: path) }
        var entries: [Entry] = []
        for (n, row) in lines.dropFirst().enumerated() where !row.isEmpty {
            let f = row.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard f.count > max(ic, lc), !f[ic].isEmpty, !f[lc].isEmpty else {
                throw ManifestError(path: path, line: n + 2, reason: "expected \(columns.count) tab-separated columns with an image and a layout path")
            }
            entries.append(Entry(image: resolve(f[ic]), layout: resolve(f[lc])))
        }
        guard !entries.isEmpty else { throw bad("the page manifest lists no pages") }
        return entries
    }
}
