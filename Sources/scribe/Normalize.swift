import ArgumentParser
import Foundation
import ScribeCore
import ScribeImage

extension Binarization: ExpressibleByArgument {}

extension Scribe {
    /// `scribe normalize LINE.png -o out.png`: the line as the recognizer sees it.
    struct Normalize: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Normalize a text-line image (contrast, inversion, deskew, slant, crop, height) and save it as a PNG.",
            discussion: "With --windows the sliding windows are drawn over the result: one bracket per frame, alternating colours.")

        @Argument(help: "Line image (PNG).")
        var line: String

        @Option(name: [.short, .customLong("output")], help: "Output .png path.")
        var output: String

        @Option(help: "Output height in pixels.")
        var height: Int = 48
        @Option(help: "Binarize: otsu or sauvola (default: keep gray).")
        var binarize: Binarization?
        @Flag(help: "Correct slant (off by default).")
        var slant = false
        @Flag(inversion: .prefixedNo, help: "Deskew small rotations.")
        var deskew = true
        @Flag(inversion: .prefixedNo, help: "Crop to the ink.")
        var crop = true
        @Flag(help: "Draw the sliding windows over the normalized line.")
        var windows = false
        @Option(help: "Window width in pixels (with --windows).")
        var windowWidth: Int = 16
        @Option(help: "Window stride in pixels (with --windows).")
        var windowStride: Int = 4

        func validate() throws {
            if height < 8 || height > 1024 { throw ValidationError("--height must be between 8 and 1024") }
            if windowWidth < 1 || windowStride < 1 { throw ValidationError("--window-width and --window-stride must be positive") }
        }

        func run() throws {
            try FileCheck.writable(output)
            var settings = LineNormalization()
            settings.height = height
            settings.binarization = binarize
            settings.slant = slant
            settings.deskew = deskew
            settings.crop = crop
            let input = GrayImage(try PNGReader().read(line))
            let (image, report) = LineNormalizer(settings).normalize(input)
            let written = windows ? Self.drawWindows(image, WindowGeometry(width: windowWidth, stride: windowStride)) : image.image8
            try PNGWriter.write(written, to: output)
            printError(String(format: "%@: line %d × %d px%@, skew %.2f°, slant %.0f°%@", StandardStreams.outputName(output), image.width, image.height,
                              windows ? String(format: " (picture with its windows %d × %d px)", written.width, written.height) : "",
                              report.skewDegrees, report.slantDegrees, report.inverted ? ", inverted" : ""))
            // A text line is several times wider than high; a page or a word column is not.
            if input.width < input.height * 2 {
                printError("warning: \(line) is \(input.width) × \(input.height) px, not the wide strip of one text line; for a page, find its lines first (scribe lines) and normalize one of them")
            }
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
