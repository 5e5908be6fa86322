import ArgumentParser
import Foundation
import ScribeCore
import ScribeImage
import ScribeRecognition

extension Binarization: ExpressibleByArgument {}

extension Scribe {
    /// `scribe normalize LINE.png -o out.png`: the line as the recognizer sees it.
    struct Normalize: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Normalize a text-line image (contrast, inversion, deskew, slant, dewarping, crop, height) and save it as a PNG.",
            discussion: """
                With --model the line is normalized exactly as that handwriting model's recognizer does it \
                (its height, deskew, slant correction, crop, ...); the other options then change only what \
                they name. With --windows the sliding windows are drawn over the result: one bracket per \
                frame, alternating colours (with --model, the model's own window when its network has one).

                Examples:
                  scribe normalize line.png -o seen.png --model poilus --windows
                  scribe normalize line.png -o upright.png --slant --max-slant 55
                """)

        @Argument(help: "Line image (PNG).")
        var line: String

        @Option(name: [.short, .customLong("output")], help: "Output .png path.")
        var output: String

        @Option(help: "Normalize as this handwriting model does (a shipped name such as poilus, or a .safetensors path).")
        var model: String?
        @Option(help: "Output height in pixels. (default: 48, or the model's)")
        var height: Int?
        @Option(help: "Binarize: otsu or sauvola (default: keep gray).")
        var binarize: Binarization?
        @Flag(inversion: .prefixedNo, help: "Correct slant. (default: off, or the model's)")
        var slant: Bool?
        @Option(help: "Largest slant searched, in degrees (0-60). (default: 30, or the model's)")
        var maxSlant: Double?
        @Flag(inversion: .prefixedNo, help: "Straighten the line along its ink's centre curve and scale by the ink's spread around it (ocropy's centre-line normalization). (default: off, or the model's)")
        var dewarp: Bool?
        @Option(help: "With --dewarp, the band kept around the centre curve, in mean deviations of the ink (1-20). (default: 4, or the model's)")
        var dewarpRange: Double?
        @Flag(inversion: .prefixedNo, help: "Deskew small rotations. (default: on, or the model's)")
        var deskew: Bool?
        @Flag(inversion: .prefixedNo, help: "Crop to the ink. (default: on, or the model's)")
        var crop: Bool?
        @Option(name: .customLong("trim-margins"), help: ArgumentHelp("Before normalizing, cut each margin wider than ABOVE text heights to TO text heights, or off. (default: off, or the model's)", valueName: "ABOVE,TO|off"))
        var trimMargins: String?
        @Flag(help: "Draw the sliding windows over the normalized line.")
        var windows = false
        @Option(help: "Window width in pixels (with --windows). (default: 16, or the model's)")
        var windowWidth: Int?
        @Option(help: "Window stride in pixels (with --windows). (default: 4, or the model's)")
        var windowStride: Int?

        func validate() throws {
            if let height, height < 8 || height > 1024 { throw ValidationError("--height must be between 8 and 1024") }
            if let maxSlant, !(0...60).contains(maxSlant) { throw ValidationError("--max-slant must be between 0 and 60 degrees") }
            if let dewarpRange, !(1...20).contains(dewarpRange) { throw ValidationError("--dewarp-range must be between 1 and 20") }
            if (windowWidth ?? 1) < 1 || (windowStride ?? 1) < 1 { throw ValidationError("--window-width and --window-stride must be positive") }
            if let trimMargins, MarginTrim.setting(trimMargins) == nil { throw ValidationError("--trim-margins: " + MarginTrim.invalid(trimMargins)) }
        }

        func run() throws {
            try FileCheck.writable(output)
            var (settings, window) = (LineNormalization(), WindowGeometry(width: 16, stride: 4))
            if let model {
                let trained = try RecognitionModel(path: ModelLocator.locate(model))
                settings = try trained.lineFrontEnd().normalization
                if let w = Self.window(inArchitecture: trained.file.architecture) { window = w }
            }
            if let height { settings.height = height }
            if let binarize { settings.binarization = binarize }
            if let slant { settings.slant = slant }
            if let maxSlant { settings.maxSlantDegrees = maxSlant }
            if let deskew { settings.deskew = deskew }
            if let dewarp { settings.dewarp = dewarp }
            if let dewarpRange { settings.dewarpRange = dewarpRange }
            if let crop { settings.crop = crop }
            if let trimMargins, let trim = MarginTrim.setting(trimMargins) { settings.trimMargins = trim }
            window = WindowGeometry(width: windowWidth ?? window.width, stride: windowStride ?? window.stride)
            let input = GrayImage(try PNGReader().read(line))
            let (image, report) = LineNormalizer(settings).normalize(input)
            let written = windows ? Self.drawWindows(image, window) : image.image8
            try PNGWriter.write(written, to: output)
            printError(String(format: "%@: line %d × %d px%@, skew %.2f°, slant %.0f°%@%@", StandardStreams.outputName(output), image.width, image.height,
                              windows ? String(format: " (picture with its windows %d × %d px)", written.width, written.height) : "",
                              report.skewDegrees, report.slantDegrees, report.bandHalfHeight.map { ", dewarped: band ±\($0) px" } ?? "",
                              report.inverted ? ", inverted" : "")
                       + (report.trimmed.map { ", margins trimmed to \($0.width) × \($0.height) px at (\($0.x0), \($0.y0))" } ?? ""))
            // A text line is several times wider than high; a page or a word column is not.
            if input.width < input.height * 2 {
                printError("warning: \(line) is \(input.width) × \(input.height) px, not the wide strip of one text line; for a page, find its lines first (scribe lines) and normalize one of them")
            }
        }

        /// The sliding window of a network spec (`W40s4`: 40 px every 4 px), if it has one.
        static func window(inArchitecture spec: String) -> WindowGeometry? {
            for token in spec.split(whereSeparator: { $0 == " " || $0 == "[" || $0 == "]" }) where token.first == "W" {
                let parts = token.dropFirst().split(separator: "s")
                if parts.count == 2, let w = Int(parts[0]), let s = Int(parts[1]), w > 0, s > 0 {
                    return WindowGeometry(width: w, stride: s)
                }
            }
            return nil
        }

        /// The line in gray, a tick above it at each frame's centre, and below it the span of
        /// every `width / stride`-th window in alternating colours, so the spans tile the line.
        static func drawWindows(_ line: GrayImage, _ geometry: WindowGeometry) -> Image8 {
            let band = 8
            let frames = geometry.frameCount(lineWidth: line.width)
            let pad = geometry.width / 2
            var out = Image8(width: line.width + 2 * pad, height: line.height + 2 * band, channels: 3, fill: 255)
            for y in 0..<line.height {
                for x in 0..<line.width {
                    let v = UInt8((min(max(line[x, y], 0), 1) * 255).rounded())
                    out.set(x: x + pad, y: y + band, RGB(v, v, v))
                }
            }
            let every = max(1, geometry.width / geometry.stride)
            for t in 0..<frames {
                let cols = geometry.columns(ofFrame: t)
                let centre = cols.lowerBound + geometry.width / 2 + pad
                out.fill(x0: centre, y0: 2, x1: centre + 1, y1: band - 1, RGB(60, 60, 60))
                if t % every == 0 {
                    let color = Drawing.palette[(t / every) % 2]
                    let y = line.height + band + 2
                    out.fill(x0: cols.lowerBound + pad, y0: y, x1: cols.upperBound + pad, y1: y + 4, color)
                }
            }
            return out
        }
    }
}
