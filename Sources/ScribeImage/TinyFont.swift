/// A 3×5 pixel font for axis labels: digits and the few letters units need.
enum TinyFont {
    /// Rows top to bottom; each row's three low bits are the pixels, left to right.
    private static let glyphs: [Character: [UInt8]] = [
        "0": [7, 5, 5, 5, 7], "1": [2, 6, 2, 2, 7], "2": [7, 1, 7, 4, 7], "3": [7, 1, 7, 1, 7],
        "4": [5, 5, 7, 1, 1], "5": [7, 4, 7, 1, 7], "6": [7, 4, 7, 5, 7], "7": [7, 1, 1, 2, 2],
        "8": [7, 5, 7, 5, 7], "9": [7, 5, 7, 1, 7], ".": [0, 0, 0, 0, 2], "-": [0, 0, 7, 0, 0],
        "s": [0, 3, 6, 3, 6], "k": [4, 5, 6, 5, 5], "H": [5, 5, 7, 5, 5], "z": [0, 7, 1, 2, 7],
        "d": [1, 1, 7, 5, 7], "B": [6, 5, 6, 5, 6], " ": [0, 0, 0, 0, 0],
    ]

    static let glyphWidth = 3, glyphHeight = 5

    /// Width in pixels of `text` drawn at `scale`.
    static func width(_ text: String, scale: Int) -> Int {
        max(0, text.count * (glyphWidth + 1) * scale - scale)
    }

    /// Draws `text` with its top-left corner at (`x`, `y`).
    static func draw(_ text: String, x: Int, y: Int, scale: Int, color: RGB, on image: inout Image8) {
        var cx = x
        for ch in text {
            let rows = glyphs[ch] ?? glyphs[" "]!
            for (r, bits) in rows.enumerated() {
                for c in 0..<glyphWidth where bits & (1 << (glyphWidth - 1 - c)) != 0 {
                    image.fill(x0: cx + c * scale, y0: y + r * scale, x1: cx + (c + 1) * scale, y1: y + (r + 1) * scale, color)
                }
            }
            cx += (glyphWidth + 1) * scale
        }
    }
}
