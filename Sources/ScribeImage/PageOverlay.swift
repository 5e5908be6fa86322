import Foundation

/// The picture `scribe recognize --overlay` draws: the page in gray, each found line's
/// polygon and baseline in its own colour, and its number and recognized text (accents
/// folded, in the small bitmap font) on a white strip above it.
public enum PageOverlay {
    public static func draw(_ page: GrayImage, _ recognized: RecognizedPage) -> Image8 {
        var out = Image8(width: page.width, height: page.height, channels: 3)
        for i in 0..<(page.width * page.height) {
            let v = UInt8(max(0, min(255, page.pixels[i] * 255)).rounded())
            out.pixels[3 * i] = v; out.pixels[3 * i + 1] = v; out.pixels[3 * i + 2] = v
        }
        // Text about a third of a line high, at least legible.
        for (i, r) in recognized.lines.enumerated() {
            let colour = Drawing.palette[i % Drawing.palette.count]
            let thickness = max(1, page.width / 800)
            Drawing.polygon(r.line.polygon, on: &out, color: colour, thickness: thickness)
            let base = LayoutWriter.baseline(of: r.line)
            for k in 1..<base.count { Drawing.line(from: base[k - 1], to: base[k], on: &out, color: colour, thickness: thickness) }
            let scale = max(1, r.line.box.height / 3 / TinyFont.glyphHeight)
            let text = "\(i + 1) " + r.text.folding(options: [.diacriticInsensitive], locale: nil)
            let h = TinyFont.glyphHeight * scale
            let y = max(0, r.line.box.y0 - h - 2)
            out.fill(x0: r.line.box.x0, y0: y, x1: r.line.box.x0 + TinyFont.width(text, scale: scale) + 2, y1: y + h + 2, .white)
            TinyFont.draw(text, x: r.line.box.x0 + 1, y: y + 1, scale: scale, color: colour, on: &out)
        }
        return out
    }
}
