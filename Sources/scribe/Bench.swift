import ArgumentParser
import Foundation
import ScribeAudio
import ScribeCore

extension Scribe {
    /// `scribe bench ...`: measured speed of Scribe's kernels.
    struct Bench: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measure the speed of Scribe's kernels and commands (scripts/bench-* compare them side by side with their peers).",
            subcommands: [BenchFeatures.self, BenchTrainStep.self, BenchDecode.self, BenchScore.self, BenchTranscribe.self, BenchRecognize.self,
                          BenchLines.self, BenchPages.self])
    }

    /// `scribe bench features`: log-mel extraction throughput.
    struct BenchFeatures: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "features",
            abstract: "Time log-mel extraction of synthetic audio, in seconds of audio per second of compute.")

        @Option(help: "Seconds of audio.")
        var seconds: Double = 60
        @Option(help: "Sample rate (Hz).")
        var sampleRate: Int = 16_000
        @Option(help: "FFT size.")
        var nFFT: Int = 400
        @Option(help: "Hop length.")
        var hopLength: Int = 160
        @Option(help: "Mel filters.")
        var nMels: Int = 80
        @Option(help: "Comma-separated thread counts to measure.")
        var threads: String = "1,2"
        @Option(help: "Timed repetitions per row (the median is reported).")
        var repeats: Int = 7
        @OptionGroup var output: TableFormatOption

        func run() throws {
            let counts = try BenchList.positive(threads, option: "threads")
            var config = FrontEndConfig.speech(sampleRate: sampleRate, kind: .logmel)
            config.nFFT = nFFT; config.winLength = nFFT; config.hopLength = hopLength; config.nMels = nMels
            let signal = Self.testSignal(seconds: seconds, rate: sampleRate)
            var rows: [[String: Any]] = []
            for n in counts {
                let extractor = try FeatureExtractor(config: config, threads: n)
                try Stopwatch.warmUp(seconds: 0.5) { _ = try extractor.features(samples: signal) }
                let median = try Stopwatch.median(repeats: repeats, warmUp: 0) { _ = try extractor.features(samples: signal) }
                rows.append(["system": "scribe", "threads": n, "seconds": median, "speed": seconds / median])
            }
            if output.isJSON {
                let data = try JSONSerialization.data(withJSONObject: rows, options: [.sortedKeys])
                print(String(decoding: data, as: UTF8.self))
            } else {
                print("log-mel of \(seconds) s at \(sampleRate) Hz (n_fft \(nFFT), hop \(hopLength), \(nMels) mels)")
                print("threads   median time   audio s / compute s")
                for row in rows {
                    print(String(format: "%7d   %9.2f ms   %10.0f×", row["threads"] as! Int,
                                 (row["seconds"] as! Double) * 1000, row["speed"] as! Double))
                }
            }
        }

        /// A reproducible speech-like test signal: a gliding harmonic tone in seeded noise.
        static func testSignal(seconds: Double, rate: Int) -> [Float] {
            var rng = SeededGenerator(seed: 1)
            let n = Int(seconds * Double(rate))
            return (0..<n).map { i in
                let t = Double(i) / Double(rate)
                let f0 = 120 + 40 * sin(2 * .pi * 0.5 * t)
                var s = 0.0
                for h in 1...5 { s += sin(2 * .pi * f0 * Double(h) * t) / Double(h) }
                return Float(0.1 * s + 0.01 * rng.nextGaussian())
            }
        }
    }
}
