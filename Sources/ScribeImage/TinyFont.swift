/// A 3×5 pixel font for axis labels and legends: digits and the letters units and plot
/// legends need.
public enum TinyFont {
    /// Rows top to bottom; each row's three low bits are the pixels, left to right.
    private static let glyphs: [Character: [UInt8]] = [
        "0": [7, 5, 5, 5, 7], "1": [2, 6, 2, 2, 7], "2": [7, 1, 7, 4, 7], "3": [7, 1, 7, 1, 7],
        "4": [5, 5, 7, 1, 1], "5": [7, 4, 7, 1, 7], "6": [7, 4, 7, 5, 7], "7": [7, 1, 1, 2, 2],
        "8": [7, 5, 7, 5, 7], "9": [7, 5, 7, 1, 7], ".": [0, 0, 0, 0, 2], "-": [0, 0, 7, 0, 0],
        "s": [0, 3, 6, 3, 6], "k": [4, 5, 6, 5, 5], "H": [5, 5, 7, 5, 5], "z": [0, 7, 1, 2, 7],
        "d": [1, 1, 7, 5, 7], "B": [6, 5, 6, 5, 6], " ": [0, 0, 0, 0, 0],
        "C": [7, 4, 4, 4, 7], "E": [7, 4, 7, 4, 7], "R": [6, 5, 6, 5, 5], "L": [4, 4, 4, 4, 7],
        "W": [5, 5, 5, 7, 5], "V": [5, 5, 5, 5, 2], "A": [2, 5, 7, 5, 5], "T": [7, 2, 2, 2, 2],
        "%": [5, 1, 2, 4, 5], "o": [0, 7, 5, 5, 7], "e": [0, 7, 7, 4, 7], "p": [0, 7, 5, 7, 4],
        "c": [0, 7, 4, 4, 7], "h": [4, 4, 7, 5, 5], "l": [6, 2, 2, 2, 7], "a": [0, 7, 1, 7, 7],
        "i": [2, 0, 2, 2, 2], "n": [0, 6, 5, 5, 5], "v": [0, 5, 5, 5, 2], "r": [0, 7, 4, 4, 4],
        "t": [2, 7, 2, 2, 3], "(": [1, 2, 2, 2, 1], ")": [4, 2, 2, 2, 4], "/": [1, 1, 2, 4, 4],
        ":": [0, 2, 0, 2, 0], "m": [0, 7, 7, 5, 5], "b": [4, 4, 7, 5, 7], "f": [3, 4, 6, 4, 4],
        "g": [7, 5, 7, 1, 7], "j": [1, 0, 1, 1, 6], "q": [7, 5, 7, 1, 1], "u": [0, 5, 5, 5, 7],
        "w": [0, 5, 5, 7, 5], "x": [0, 5, 2, 2, 5], "y": [5, 5, 7, 1, 7], "_": [0, 0, 0, 0, 7],
        ",": [0, 0, 0, 2, 4], "+": [0, 2, 7, 2, 0], "=": [0, 7, 0, 7, 0],
        "[": [3, 2, 2, 2, 3], "]": [6, 2, 2, 2, 6], "F": [7, 4, 6, 4, 4], "D": [6, 5, 5, 5, 6],
        "G": [7, 4, 5, 5, 7], "I": [7, 2, 2, 2, 7], "M": [5, 7, 7, 5, 5], "N": [6, 5, 5, 5, 5],
        "O": [7, 5, 5, 5, 7], "P": [7, 5, 7, 4, 4], "S": [7, 4, 7, 1, 7], "U": [5, 5, 5, 5, 7],
        "K": [5, 5, 6, 5, 5], "Y": [5, 5, 2, 2, 2],
    ]

    public static let glyphWidth = 3, glyphHeight = 5

    /// Width in pixels of `text` drawn at `scale`.
    public static func width(_ text: String, scale: Int) -> Int {
        max(0, text.count * (glyphWidth + 1) * scale - scale)
    }

    /// Draws `text` with its top-left corner at (`x`, `y`).
    public static func draw(_ text: String, x: Int, y: Int, scale: Int, color: RGB, on image: inout Image8) {
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
