import ArgumentParser
import Foundation
import ScribeCore
import ScribeImage
import ScribeNN
import ScribeRecognition

extension Scribe {
    /// `scribe bench recognize`: lines per second of whole line recognition.
    struct BenchRecognize: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "recognize",
            abstract: "Lines per second of handwriting recognition (PNG decoding, normalization, network, decoding) with a trained line model.",
            discussion: """
            Recognizes the given line images as `scribe recognize` does: with N threads, N \
            workers each read, normalize and recognize their share of the lines, one line at a \
            time, with single-threaded kernels. Images are decoded from disk on every repetition. \
            Each row gives the process's resident peak so far (the models included): with \
            thread counts in increasing order, the peak of reading with that many threads.

            Example:
              scribe bench recognize --model poilus --manifest corpora/poilus/build/test.tsv --threads 1,2
            """)

        @Argument(help: "Line images (PNG).")
        var images: [String] = []
        @Option(help: "Take the images of this manifest.")
        var manifest: String?
        @Option(help: "Use at most this many lines.")
        var limit: Int = 200
        @Option(help: "Model: a shipped name or a .safetensors file.")
        var model: String = "poilus"
        @OptionGroup var decoding: DecoderOptions
        @OptionGroup var models: EnsembleOptions
        @OptionGroup var bench: BenchRunOptions

        func run() throws {
            Allocator.keepLargeBlocks()
            BLASWarning.check()
            var paths = images
            if let manifest { paths += try Manifest.read(manifest).map(\.path) }
            paths = Array(paths.prefix(limit))
            guard !paths.isEmpty else { throw ValidationError("give line images or --manifest") }
            let counts = try BenchList.positive(bench.threads, option: "threads")
            let trained = try RecognitionModel(path: ModelLocator.locate(model))
            _ = try trained.lineFrontEnd()
            let set = try models.members(of: trained)
            let decoder = try models.makeDecoder(decoding, for: set, wordTimings: false)
            ComputeThreads.set(1)
            var rows: [[String: Any]] = []
            for n in counts {
                let readers = try (0..<n).map { _ in try set.makeLineReader(decoder: decoder.copy()) }
                let t = try Stopwatch.median(repeats: bench.repeats) {
                    var failure: Error?
                    let lock = NSLock()
                    Workers.forEachChunk(count: paths.count, threads: n) { range, worker in
                        for i in range {
                            do { _ = try readers[worker].read(file: paths[i]) } catch { lock.lock(); failure = error; lock.unlock() }
                        }
                    }
                    if let failure { throw failure }
                }
                rows.append(["threads": n, "lines": paths.count, "seconds": t, "lines_per_second": Double(paths.count) / t,
                             "peak_memory_mb": ProcessMemory.peakMB(),
                             "decoder": decoder.settings.decoder.rawValue, "beam": decoder.settings.beam])
            }
            if bench.output.isJSON { try printJSON(rows); return }
            print("\(trained.name)\(set.members.count > 1 ? " (ensemble of \(set.members.count))" : "")\(set.views.isEmpty ? "" : " with \(set.views.count) view\(set.views.count == 1 ? "" : "s")") on \(paths.count) lines, " + (decoder.settings.decoder == .beam ? "beam \(decoder.settings.beam)" : "greedy") + " decoding")
            for r in rows {
                print(String(format: "threads %d: %.3f s, %.1f lines/s, peak memory %.0f MB", r["threads"] as! Int, r["seconds"] as! Double,
                             r["lines_per_second"] as! Double, r["peak_memory_mb"] as! Double))
            }
        }
    }
}
