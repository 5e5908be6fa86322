import Foundation
import ScribeCore

/// Reproducible synthetic data for `scribe bench decode` and `scribe bench score`: a small
/// pseudo-English vocabulary, sentences from a sticky word-bigram process, and CTC
/// posteriors that look like a trained model's (mostly blank, peaked, occasional confusions).
struct BenchData {
    /// Blank, space, a–z, apostrophe: 29 classes as in common English CTC models.
    static let symbols = [" "] + "abcdefghijklmnopqrstuvwxyz'".map(String.init)

    var rng: SeededGenerator
    let words: [String]

    init(seed: UInt64, vocabulary: Int = 300) {
        var rng = SeededGenerator(seed: seed)
        let syllables = ["ka", "to", "ri", "sen", "mo", "la", "de", "vi", "nu", "pe", "shi", "tra", "go", "bel", "an", "or", "et", "is", "u", "qua", "ze", "fy", "wh", "o'"]
        var set = Set<String>(), list: [String] = []
        while list.count < vocabulary {
            let n = 1 + Int(rng.next() % 3)
            let w = (0..<n).map { _ in syllables[Int(rng.next() % UInt64(syllables.count))] }.joined()
            if set.insert(w).inserted { list.append(w) }
        }
        words = list
        self.rng = rng
    }

    /// A sentence of `count` words, where word i+1 often follows from word i.
    mutating func sentence(words count: Int) -> [String] {
        var out: [String] = []
        var w = Int(rng.next() % UInt64(words.count))
        for _ in 0..<count {
            out.append(words[w])
            w = rng.nextUniform() < 0.6 ? (w * 7 + 3) % words.count : Int(rng.next() % UInt64(words.count))
        }
        return out
    }

    /// Peaked log-posteriors, `frames` × 29, spelling about `frames / 3` characters of a
    /// sentence; returns the matrix and the text it spells.
    mutating func posteriors(frames: Int) -> (FeatureMatrix, String) {
        var text = ""
        while text.count < frames / 3 { text += (text.isEmpty ? "" : " ") + sentence(words: 1)[0] }
        var classes: [Int] = []
        for ch in text {
            let c = Self.symbols.firstIndex(of: String(ch))! + 1
            for _ in 0..<(1 + Int(rng.next() % 2)) { classes.append(c) }
            for _ in 0..<Int(rng.next() % 3) { classes.append(0) }
            if classes.count >= frames { break }
        }
        while classes.count < frames { classes.append(0) }
        classes.removeLast(classes.count - frames)
        let C = Self.symbols.count + 1
        var m = FeatureMatrix(rows: frames, columns: C)
        for t in 0..<frames {
            // Logits as a trained model gives them: the aligned class far ahead, the rest
            // in a broad band well below it, and sometimes a close competitor.
            for c in 0..<C { m[t, c] = Float(rng.nextGaussian() * 2) }
            m[t, classes[t]] += Float(12 + 2 * rng.nextGaussian())
            if rng.nextUniform() < 0.15 { m[t, 1 + Int(rng.next() % UInt64(C - 1))] += Float(10 + 2 * rng.nextGaussian()) }
        }
        ScribeDecodeLogSoftmax.apply(&m)
        return (m, text)
    }

    /// A hypothesis for `reference` with word substitutions, deletions and insertions.
    mutating func corrupt(_ reference: [String], rate: Double) -> [String] {
        var out: [String] = []
        for w in reference {
            let r = rng.nextUniform()
            if r < rate / 3 { continue }
            if r < 2 * rate / 3 { out.append(words[Int(rng.next() % UInt64(words.count))]); continue }
            out.append(w)
            if r < rate { out.append(words[Int(rng.next() % UInt64(words.count))]) }
        }
        return out
    }
}

import ScribeDecode
enum ScribeDecodeLogSoftmax {
    static func apply(_ m: inout FeatureMatrix) { Posteriors.logSoftmaxRows(&m) }
}
