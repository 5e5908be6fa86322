import ArgumentParser
import Foundation
import ScribeCore
import ScribeImage
import ScribeNN
import ScribeRecognition

extension Scribe {
    /// `scribe lines PAGE.png`: find the text lines of a page scan.
    struct Lines: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Find the text lines of a page scan (or read them from ALTO/PAGE XML) and draw them.",
            discussion: "Lines come in reading order. Coordinates are page pixels with the origin at the top-left corner: a box is x0 y0 x1 y1 (left, top, right, bottom; x1 and y1 one past the last pixel), in the text output's second column and as the JSON \"box\" array; a polygon is a list of [x, y] points. With --compare, lines from a layout file are matched to the found ones (IoU ≥ 0.5) and the recall is printed.")

        @Argument(help: "Page scan (PNG).")
        var page: String

        @Option(name: [.short, .customLong("output")], help: "Write the page with the lines drawn on it to this PNG.")
        var output: String?

        @Option(help: "Output format: text or json.")
        var format: OutputFormat = .text

        @Option(help: "Take the lines from this ALTO or PAGE XML file instead of finding them.")
        var layout: String?

        @Option(help: "Compare the found lines with those of this ALTO or PAGE XML file.")
        var compare: String?

        @Option(help: "How lines are found: a line-finder model (name or file), or classical for the rule-based segmenter.")
        var finder: String = LineFinding.defaultModel

        @Option(help: "Threads for the line finder's network. (default: all cores)")
        var threads: Int?

        @Option(parsing: .unconditional, help: "Refuse images with more pixels than this.")
        var maxPixels: Int = 100_000_000

        func validate() throws {
            if let threads, !(1...256).contains(threads) { throw ValidationError("--threads must be between 1 and 256 (got \(threads))") }
            if !(1...4_000_000_000).contains(maxPixels) { throw ValidationError("--max-pixels must be between 1 and 4000000000 (got \(maxPixels))") }
        }

        func run() throws {
            try FileCheck.writable(output)
            let scan = try PNGReader(maxPixels: maxPixels).read(page)
            let gray = GrayImage(scan)
            ComputeThreads.set(threads ?? Workers.availableCores)
            let lines = try layout.map { try LayoutXML.read($0) } ?? LineFinding.named(finder).lines(in: gray)
            if format == .json {
                let records = lines.map { line -> [String: Any] in
                    var record: [String: Any] = ["box": [line.box.x0, line.box.y0, line.box.x1, line.box.y1], "polygon": line.polygon.map { [$0.x, $0.y] }]
                    if let baseline = line.baseline { record["baseline"] = baseline.map { [$0.x, $0.y] } }
                    return record
                }
                let data = try JSONSerialization.data(withJSONObject: ["lines": records], options: [.sortedKeys])
                print(String(decoding: data, as: UTF8.self))
            } else {
                for (i, line) in lines.enumerated() {
                    print("\(i + 1)\t\(line.box.x0) \(line.box.y0) \(line.box.x1) \(line.box.y1)" + (line.text.map { "\t\($0)" } ?? ""))
                }
            }
            var reference: [LayoutLine] = []
            if let compare {
                reference = try LayoutXML.read(compare)
                let found = LineMatching.recall(found: lines.map(\.box), reference: reference.map(\.box), iou: 0.5)
                printError("\(page): \(found) of \(reference.count) reference lines found (IoU ≥ 0.5), \(lines.count) lines proposed")
            }
            if let output {
                var overlay = Image8(width: scan.width, height: scan.height, channels: 3)
                for i in 0..<(scan.width * scan.height) {
                    let v = scan.pixels[i]
                    overlay.pixels[3 * i] = v; overlay.pixels[3 * i + 1] = v; overlay.pixels[3 * i + 2] = v
                }
                for line in reference { Drawing.polygon(line.polygon, on: &overlay, color: RGB(40, 160, 60), thickness: 2) }
                for (i, line) in lines.enumerated() {
                    Drawing.polygon(line.polygon, on: &overlay, color: Drawing.palette[i % Drawing.palette.count], thickness: 3)
                    Drawing.label("\(i + 1)", x: line.box.x0 - 4, y: line.box.y0, on: &overlay)
                }
                try PNGWriter.write(overlay, to: output)
                printError("\(StandardStreams.outputName(output)): \(lines.count) lines drawn")
            }
        }
    }
}
