import ArgumentParser
import Foundation
import ScribeCore
import ScribeHTR
import ScribeImage
import ScribeNN
import ScribeRecognition

extension Scribe {
    /// `scribe bench lines`: line normalization throughput on real line images.
    struct BenchLines: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "lines",
            abstract: "Time line normalization and the convnet window features (lines per second), on 1 and 2 threads.",
            discussion: "The encoder is `Cr3x3,16 Mp2x2 Cr3x3,32 Mp2x2 W24s4 Fl128` (24 px windows every 4 px, 16 and 32 channels, 128 features) with seeded random weights; each thread runs its own copy.")

        @Argument(help: "Line images (PNG), or a TSV whose first column is an image path relative to the TSV.")
        var inputs: [String]
        @Option(help: "Use at most this many lines.")
        var limit: Int = 500
        @Option(help: "Comma-separated thread counts.")
        var threads: String = "1,2"
        @Option(help: "Normalized line height.")
        var height: Int = 48

        func run() throws {
            BLASWarning.check()
            let paths = Array(try BenchInputs.imagePaths(inputs).prefix(limit))
            guard !paths.isEmpty else { throw ValidationError("no line images found in \(inputs)") }
            // Decode once up front so the timing is normalization, not disk.
            let images = try paths.map { try PNGReader().read($0) }
            var settings = LineNormalization()
            settings.height = height
            let frontEnd = LineFrontEnd(normalization: settings)
            let counts = try BenchList.positive(threads, option: "threads")
            ComputeThreads.set(1) // parallelism comes from lines here, one per worker
            let encoders = try (0..<(counts.max() ?? 1)).map { _ in
                try NetworkSpec.build("[Cr3x3,16 Mp2x2 Cr3x3,32 Mp2x2 W24s4 Fl128]", inputSize: height, seed: 1)
            }
            print("\(images.count) line images: normalization to \(height) px, then window features (\(encoders[0].spec))")
            print("threads   normalize lines/s   + features lines/s   frames/s")
            for n in counts {
                let normalizeOnly = Stopwatch.best(of: 3) {
                    Workers.forEachChunk(count: images.count, threads: n) { range, _ in
                        for i in range { _ = frontEnd.normalize(GrayImage(images[i])) }
                    }
                }
                let frames = AtomicCounter()
                let both = Stopwatch.best(of: 3) {
                    Workers.forEachChunk(count: images.count, threads: n) { range, worker in
                        for i in range {
                            let columns = frontEnd.networkInput(image: GrayImage(images[i]))
                            frames.add(encoders[worker].forward(SequenceBatch(padding: [columns]), training: false).frames)
                        }
                    }
                }
                let lines = Double(images.count)
                print(String(format: "%7d   %17.1f   %18.1f   %8.0f", n, lines / normalizeOnly, lines / both, Double(frames.value) / 3 / both))
            }
        }
    }

    /// `scribe bench pages`: line finding on page scans, speed and (with layouts) recall.
    struct BenchPages: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "pages",
            abstract: "Time finding the lines of page scans (pages per second, 1 and 2 threads) and measure recall and precision against their ALTO/PAGE files.",
            discussion: """
            Each page's layout is looked for beside it (same name, .xml). Recall counts reference \
            lines matched by a found line at box IoU ≥ 0.5 (one to one); precision counts found \
            lines matched. scripts/bench-pages runs this beside kraken's segmenter on the same pages.
            """)

        @Argument(help: "Page scans (PNG), folders holding them, or page manifests (TSV).")
        var inputs: [String]
        @Option(help: "Comma-separated line finders: model names or files, or classical.")
        var finders: String = LineFinding.defaultModel + ",classical"
        @Option(help: "Comma-separated thread counts.")
        var threads: String = "1,2"
        @Option(help: "Timed runs per setting (the best is kept).")
        var runs: Int = 3
        @Flag(help: "Print one JSON object instead of the table.")
        var json = false

        func validate() throws {
            if !(1...100).contains(runs) { throw ValidationError("--runs must be between 1 and 100 (got \(runs))") }
        }

        func run() throws {
            BLASWarning.check()
            let paths = try BenchInputs.imagePaths(inputs)
            guard !paths.isEmpty else { throw ValidationError("no page images found in \(inputs)") }
            let pages = try paths.map { GrayImage(try PNGReader().read($0)) }
            let layouts = try paths.map { path -> [Box]? in
                let xml = (path as NSString).deletingPathExtension + ".xml"
                return FileManager.default.fileExists(atPath: xml) ? try LayoutXML.read(xml).map(\.box) : nil
            }
            let counts = try BenchList.positive(threads, option: "threads")
            var results: [[String: Any]] = []
            if !json { print("finding lines on \(pages.count) pages (\(layouts.compactMap { $0 }.count) with layouts)") }
            if !json { print("finder          threads   pages/s   s/page   recall   precision   lines found") }
            for name in finders.split(separator: ",").map(String.init) {
                let finder = try LineFinding.named(name)
                // Accuracy once (it does not depend on threads), then the timings.
                ComputeThreads.set(1)
                let found = pages.map { finder.lines(in: $0).map(\.box) }
                var matched = 0, references = 0, proposed = 0
                for (f, reference) in zip(found, layouts) {
                    guard let reference else { continue }
                    matched += LineMatching.recall(found: f, reference: reference, iou: 0.5)
                    references += reference.count; proposed += f.count
                }
                let recall = references > 0 ? Double(matched) / Double(references) : .nan
                let precision = proposed > 0 ? Double(matched) / Double(proposed) : .nan
                for n in counts {
                    // One page at a time on n threads of the network's kernels: the latency a
                    // user reading one page sees (the classical segmenter is one thread).
                    ComputeThreads.set(n)
                    let seconds = Stopwatch.best(of: runs) { for page in pages { _ = finder.lines(in: page) } }
                    results.append(["finder": name, "threads": n, "pages": pages.count, "seconds_per_page": seconds / Double(pages.count),
                                    "recall": recall, "precision": precision, "references": references, "found": found.map(\.count).reduce(0, +)])
                    if !json {
                        print(String(format: "%-14@  %7d   %7.2f   %6.3f   %5.1f%%   %8.1f%%   %11d", name as NSString, n, Double(pages.count) / seconds,
                                     seconds / Double(pages.count), recall * 100, precision * 100, found.map(\.count).reduce(0, +)))
                    }
                }
            }
            if json { try printJSON(["results": results]) }
        }
    }
}

/// A thread-safe running total.
final class AtomicCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var total = 0
    func add(_ n: Int) { lock.lock(); total += n; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return total }
}

/// Input handling shared by the handwriting benchmarks.
enum BenchInputs {
    /// PNG paths from files, folders (their PNGs, sorted) and TSV manifests (first column, relative to the TSV).
    static func imagePaths(_ inputs: [String]) throws -> [String] {
        var paths: [String] = []
        for input in inputs {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: input, isDirectory: &isDir) else {
                throw ValidationError("\(input): no such file or folder")
            }
            if isDir.boolValue {
                let names = try FileManager.default.contentsOfDirectory(atPath: input).filter { $0.hasSuffix(".png") }.sorted()
                paths += names.map { input + "/" + $0 }
            } else if input.hasSuffix(".tsv") {
                let base = URL(fileURLWithPath: input).deletingLastPathComponent().path
                let rows = try String(contentsOfFile: input, encoding: .utf8).split(separator: "\n").dropFirst()
                paths += rows.compactMap { $0.split(separator: "\t").first.map { $0.hasPrefix("/") ? String($0) : base + "/" + $0 } }
            } else {
                paths.append(input)
            }
        }
        return paths
    }

}
