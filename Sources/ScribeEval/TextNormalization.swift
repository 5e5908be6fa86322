import Foundation

/// Optional text normalization applied to references and hypotheses before scoring.
/// Everything is off unless asked for, so scores reflect the text as given.
public struct TextNormalization: Equatable, Sendable {
    /// Fold case (Unicode-aware lowercasing).
    public var caseFold = false
    /// Remove Unicode punctuation characters.
    public var removePunctuation = false
    /// Collapse whitespace runs into one space (word scoring splits on whitespace anyway;
    /// this matters for character scoring).
    public var collapseWhitespace = false

    public init(caseFold: Bool = false, removePunctuation: Bool = false, collapseWhitespace: Bool = false) {
        self.caseFold = caseFold
        self.removePunctuation = removePunctuation
        self.collapseWhitespace = collapseWhitespace
    }

    /// Whether any normalization is on.
    public var isIdentity: Bool { !caseFold && !removePunctuation && !collapseWhitespace }

    /// Applies the normalization (NFC composition happens later, in tokenization).
    public func apply(_ text: String) -> String {
        guard !isIdentity else { return text }
        var s = text
        if caseFold { s = s.lowercased() }
        if removePunctuation {
            s = String(String.UnicodeScalarView(s.unicodeScalars.filter { !CharacterSet.punctuationCharacters.contains($0) }))
        }
        if collapseWhitespace {
            s = s.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        }
        return s
    }
}
