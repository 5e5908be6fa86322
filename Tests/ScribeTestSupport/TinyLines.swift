import Foundation
import ScribeCore
import ScribeImage

/// Line images the tests generate in milliseconds: "words" of the digits 1, 4 and 7 drawn
/// with `TinyFont` at 3× scale (9 × 15 px glyphs), dark gray on light paper with noise and
/// a random vertical offset. Tiny line models learn them in seconds.
public enum TinyLines {
    public static let symbols: [Character] = ["1", "4", "7"]

    public static func randomText(_ g: inout SeededGenerator) -> String {
        let words = 1 + Int(g.next() % 3)
        return (0..<words).map { _ in
            String((0..<(1 + Int(g.next() % 3))).map { _ in symbols[Int(g.next() % 3)] })
        }.joined(separator: " ")
    }

    /// The image of `text`: glyph cells 12 px apart, words 36 px apart, 6-14 px margins.
    public static func image(for text: String, generator g: inout SeededGenerator) -> Image8 {
        let left = 6 + Int(g.next() % 8), top = 6 + Int(g.next() % 8)
        let words = text.split(separator: " ").map(String.init)
        let width = left + words.map { TinyFont.width($0, scale: 3) + 36 }.reduce(0, +) + 10 - 36, height = top + 15 + 10
        var image = Image8(width: width, height: height, channels: 1, fill: 235)
        var x = left
        for word in words {
            TinyFont.draw(word, x: x, y: top, scale: 3, color: RGB(30, 30, 30), on: &image)
            x += TinyFont.width(word, scale: 3) + 36
        }
        for i in image.pixels.indices {
            image.pixels[i] = UInt8(min(255, max(0, Double(image.pixels[i]) + 8 * g.nextGaussian())))
        }
        return image
    }

    /// A page of `texts` stacked as lines 20 px apart on 20 px margins; returns the page
    /// and each line's box.
    public static func page(_ texts: [String], generator g: inout SeededGenerator) -> (image: Image8, boxes: [Box]) {
        let lines = texts.map { image(for: $0, generator: &g) }
        let width = (lines.map(\.width).max() ?? 0) + 40
        let height = lines.map(\.height).reduce(20) { $0 + $1 + 20 }
        var page = Image8(width: width, height: height, channels: 1, fill: 235)
        var boxes: [Box] = []
        var y = 20
        for line in lines {
            for r in 0..<line.height {
                for c in 0..<line.width { page.pixels[(y + r) * width + 20 + c] = line.pixels[r * line.width + c] }
            }
            boxes.append(Box(x0: 20, y0: y, x1: 20 + line.width, y1: y + line.height))
            y += line.height + 20
        }
        return (page, boxes)
    }

    /// Writes `count` line images and a headered manifest `name.tsv` into `folder`; returns the manifest path.
    @discardableResult
    public static func write(_ name: String, count: Int, seed: UInt64, in folder: String) throws -> String {
        try FileManager.default.createDirectory(atPath: folder + "/png", withIntermediateDirectories: true)
        var g = SeededGenerator(seed: seed)
        var rows = ["id\tpath\ttext"]
        for i in 0..<count {
            let text = randomText(&g)
            let file = "png/\(name)-\(i).png"
            try PNGWriter.write(image(for: text, generator: &g), to: folder + "/" + file)
            rows.append("\(name)-\(i)\t\(file)\t\(text)")
        }
        let path = folder + "/\(name).tsv"
        try rows.joined(separator: "\n").write(toFile: path, atomically: false, encoding: .utf8)
        return path
    }

    /// Writes a tiny line model's YAML configuration over `folder`'s train.tsv and valid.tsv.
    public static func writeConfig(folder: String, output: String, epochs: Int, augment: Bool = false,
                                   layers: String = "Cr3x3,6 Mp2x2 W8s2 Lbx16", name: String = "lines.yaml") throws -> String {
        let yaml = """
        name: tiny-lines
        output: \(output)
        data:
          train: train.tsv
          valid: valid.tsv
        front_end:
          type: image
          height: 16
        model:
          layers: \(layers)
          seed: 3
        training:
          epochs: \(epochs)
          batch_frames: 400
          max_batch: 8
          learning_rate: 0.02
          warmup_steps: 5
          checkpoint_every: 4
          patience: 100
        augment:
          enabled: \(augment)
          rotation: 1
          elastic: 0.5
        decoding:
          decoder: greedy
        """
        let path = folder + "/" + name
        try yaml.write(toFile: path, atomically: false, encoding: .utf8)
        return path
    }
}
