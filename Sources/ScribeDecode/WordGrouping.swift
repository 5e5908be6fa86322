import Foundation

/// Groups decoded symbols into words at the alphabet's space symbol.
public enum WordGrouping {
    /// Words of `tokens`: maximal runs of non-space symbols, with the first symbol's start
    /// frame, the last symbol's end frame and the geometric mean of their confidences.
    public static func words(of tokens: [DecodedToken], alphabet: Alphabet) -> [DecodedWord] {
        var words: [DecodedWord] = []
        var current: [DecodedToken] = []
        func flush() {
            guard let first = current.first, let last = current.last else { return }
            let meanLog = current.reduce(0.0) { $0 + log(max($1.confidence, 1e-300)) } / Double(current.count)
            words.append(DecodedWord(text: current.map(\.symbol).joined(), startFrame: first.startFrame,
                                     endFrame: last.endFrame, confidence: exp(meanLog)))
            current.removeAll()
        }
        for token in tokens {
            if token.classIndex == alphabet.spaceClass { flush() } else { current.append(token) }
        }
        flush()
        return words
    }
}
