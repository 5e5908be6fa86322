import ArgumentParser
import Foundation
import ScribeAudio
import ScribeCore
import ScribeImage

extension Colormap: ExpressibleByArgument {}

extension Scribe {
    /// `scribe spectrogram FILE -o OUT.png`: a picture of what the recognizer hears.
    struct Spectrogram: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Draw the log-mel (or linear-frequency) spectrogram of an audio file as a PNG.",
            discussion: "Time runs left to right, low frequencies at the bottom; colours span the top --range dB.")

        @Argument(help: "Audio file.")
        var file: String

        @Option(name: [.short, .customLong("output")], help: "Output .png path.")
        var output: String

        @Flag(help: "Draw the linear-frequency power spectrogram instead of the mel spectrogram.")
        var linear = false

        @Option(help: "Colormap: magma, viridis or gray.")
        var colormap: Colormap = .magma

        @Option(help: "Dynamic range shown, in dB below the loudest value.")
        var range: Float = 80

        @Option(help: "Width of the plot area in pixels.")
        var width: Int = 1000

        @OptionGroup var frontEnd: FrontEndOptions

        func validate() throws {
            if range <= 0 { throw ValidationError("--range must be positive") }
            if width < 50 || width > 20_000 { throw ValidationError("--width must be between 50 and 20000 pixels") }
        }

        func run() throws {
            try FileCheck.writable(output)
            let config = try frontEnd.config(kind: linear ? .power : .melpower, file: file)
            let extractor = try FeatureExtractor(config: config, threads: frontEnd.threadCount)
            var power = try extractWithProgress(extractor, file: file)
            power.apply { 10 * log10(max($0, 1e-10)) }
            var plot = Heatmap()
            plot.colormap = colormap
            plot.range = range
            plot.targetWidth = width
            plot.targetHeight = linear ? max(256, config.nFFT / 2 + 1) : max(240, config.nMels * 4)
            plot.xTicks = Self.timeTicks(frames: power.rows, hop: config.hopLength, rate: config.sampleRate)
            plot.yTicks = Self.frequencyTicks(config: config, linear: linear)
            try PNGWriter.write(plot.render(power), to: output)
            printError("\(StandardStreams.outputName(output)): \(power.rows) frames × \(power.columns) bins")
        }

        /// Ticks at round numbers of seconds, about eight across.
        static func timeTicks(frames: Int, hop: Int, rate: Int) -> [AxisTick] {
            let seconds = Double(max(frames - 1, 1) * hop) / Double(rate)
            let step = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800, 3600]
                .first { seconds / $0 <= 8 } ?? 7200
            return stride(from: 0.0, through: seconds, by: step).map { t in
                let text = step < 1 ? String(format: step < 0.1 ? "%.2f" : "%.1f", t) : String(Int(t))
                return AxisTick(position: t / seconds, label: text + "s")
            }
        }

        /// Ticks at whole kHz (half kHz below 2 kHz on the mel axis), placed on the drawn scale.
        static func frequencyTicks(config: FrontEndConfig, linear: Bool) -> [AxisTick] {
            let fMax = linear ? Double(config.sampleRate) / 2 : config.effectiveFMax
            let fMin = linear ? 0 : config.fMin
            let scale = config.melScale
            func position(_ f: Double) -> Double {
                linear ? f / fMax
                       : (scale.mel(fromHz: f) - scale.mel(fromHz: fMin)) / (scale.mel(fromHz: fMax) - scale.mel(fromHz: fMin))
            }
            let step = fMax > 6000 ? 2000.0 : 1000.0
            var ticks: [AxisTick] = []
            for f in stride(from: 0.0, through: fMax, by: step) where f >= fMin {
                ticks.append(AxisTick(position: position(f), label: f == 0 ? "0" : "\(Int(f / 1000))k"))
            }
            return ticks
        }
    }
}
