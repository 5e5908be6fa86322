import Foundation

/// Estimates an interpolated modified Kneser-Ney n-gram model (Chen & Goodman 1998, the
/// estimate KenLM's lmplz makes, without pruning) and writes it as ARPA text.
///
/// - The highest order uses raw counts; lower orders use continuation counts (the number
///   of distinct words seen before the n-gram), except n-grams starting with `<s>`, which
///   cannot be extended to the left and keep raw counts.
/// - Each order has three discounts from its count-of-counts n1…n4:
///   Y = n1/(n1 + 2n2), D1 = 1 − 2Y·n2/n1, D2 = 2 − 3Y·n3/n2, D3+ = 3 − 4Y·n4/n3.
/// - p(w|h) = (a(hw) − D(a(hw))) / a(h·) + γ(h)·p(w|h′), with
///   γ(h) = (D1·N1(h·) + D2·N2(h·) + D3+·N3+(h·)) / a(h·), and unigrams interpolated with
///   the uniform distribution over the vocabulary (`<unk>` included, `<s>` excluded).
/// - γ(h) is exactly the ARPA back-off weight of h, since every stored n-gram's lower-order
///   suffix is stored too.
public enum KneserNey {
    /// Discounts used when an order's count-of-counts cannot give valid ones (tiny corpora).
    public static let fallbackDiscounts: [Double] = [0.5, 1.0, 1.5]

    /// The estimated model as ARPA text.
    public static func estimateARPA(sentences: [[String]], order: Int) -> String {
        precondition(order >= 1, "order must be at least 1")
        var vocab = ["<s>", "</s>", "<unk>"]
        var ids: [String: Int32] = ["<s>": 0, "</s>": 1, "<unk>": 2]
        var padded: [[Int32]] = []
        for s in sentences {
            var row: [Int32] = [0]
            for w in s {
                if let id = ids[w] { row.append(id) } else {
                    let id = Int32(vocab.count); ids[w] = id; vocab.append(w); row.append(id)
                }
            }
            row.append(1)
            padded.append(row)
        }
        // Raw counts per order (index k-1).
        var raw = [[[Int32]: Int]](repeating: [:], count: order)
        for row in padded {
            for end in 1..<row.count { // never predict <s> itself
                for k in 1...order where end - k + 1 >= 0 {
                    raw[k - 1][Array(row[(end - k + 1)...end]), default: 0] += 1
                }
            }
        }
        // Adjusted counts.
        var adjusted = raw
        for k in stride(from: order - 1, through: 1, by: -1) {
            var continuation: [[Int32]: Int] = [:]
            for gram in raw[k].keys { continuation[Array(gram.dropFirst()), default: 0] += 1 }
            for gram in raw[k - 1].keys where gram.first != 0 {
                adjusted[k - 1][gram] = continuation[gram] ?? raw[k - 1][gram]!
            }
        }
        let discounts = adjusted.map(discounts(for:))
        // Context statistics and probabilities, lowest order first.
        var prob = [[[Int32]: Double]](repeating: [:], count: order)
        var backoff = [[[Int32]: Double]](repeating: [:], count: order)
        let vocabularySize = Double(vocab.count - 1) // <s> is never predicted
        for k in 1...order {
            var total: [[Int32]: Double] = [:]
            var discounted: [[Int32]: Double] = [:] // Σ D(a) over the context's words
            let D = discounts[k - 1]
            for (gram, a) in adjusted[k - 1] {
                let context = Array(gram.dropLast())
                total[context, default: 0] += Double(a)
                discounted[context, default: 0] += D[min(a, 3) - 1]
            }
            for (gram, a) in adjusted[k - 1] {
                let context = Array(gram.dropLast())
                let gamma = discounted[context]! / total[context]!
                let lower = k == 1 ? 1 / vocabularySize : prob[k - 2][Array(gram.dropFirst())]!
                prob[k - 1][gram] = (Double(a) - D[min(a, 3) - 1]) / total[context]! + gamma * lower
            }
            if k == 1 {
                let gamma = discounted[[]].map { $0 / total[[]]! } ?? 1
                prob[0][[2]] = (prob[0][[2]] ?? 0) + (adjusted[0][[2]] == nil ? gamma / vocabularySize : 0)
            } else {
                for (context, t) in total { backoff[k - 2][context] = discounted[context]! / t }
            }
        }
        return ARPAWriter.write(vocabulary: vocab, probabilities: prob, backoffs: backoff)
    }

    /// Modified Kneser-Ney discounts D1, D2, D3+ from one order's adjusted counts.
    static func discounts(for counts: [[Int32]: Int]) -> [Double] {
        var n = [0, 0, 0, 0]
        for (gram, a) in counts where a <= 4 && gram != [0] { n[a - 1] += 1 }
        guard n[0] > 0, n[1] > 0, n[2] > 0, n[3] > 0 else { return fallbackDiscounts }
        let y = Double(n[0]) / Double(n[0] + 2 * n[1])
        let d = [1 - 2 * y * Double(n[1]) / Double(n[0]),
                 2 - 3 * y * Double(n[2]) / Double(n[1]),
                 3 - 4 * y * Double(n[3]) / Double(n[2])]
        for (i, x) in d.enumerated() where !(x > 0 && x < Double(i + 1)) { return fallbackDiscounts }
        return d
    }
}

/// Writes back-off n-gram models as ARPA text.
public enum ARPAWriter {
    /// ARPA text from per-order maps of n-gram (word ids) → probability and context →
    /// back-off weight (natural probabilities, not logs). `<s>` (id 0) gets −99.
    public static func write(vocabulary: [String], probabilities: [[[Int32]: Double]], backoffs: [[[Int32]: Double]]) -> String {
        var unigrams = probabilities[0]
        unigrams[[0]] = 0 // <s>: never predicted
        var sections = probabilities
        sections[0] = unigrams
        var out = "\\data\\\n"
        for (k, s) in sections.enumerated() { out += "ngram \(k + 1)=\(s.count)\n" }
        for (k, s) in sections.enumerated() {
            out += "\n\\\(k + 1)-grams:\n"
            let grams = s.keys.sorted { a, b in a.lexicographicallyPrecedes(b) }
            for gram in grams {
                let p = s[gram]!
                let lp = gram == [0] ? "-99" : format(log10(p))
                var line = lp + "\t" + gram.map { vocabulary[Int($0)] }.joined(separator: " ")
                if k + 1 < sections.count, let b = backoffs[k][gram] { line += "\t" + format(log10(b)) }
                out += line + "\n"
            }
        }
        return out + "\n\\end\\\n"
    }

    static func format(_ x: Double) -> String { String(format: "%.7g", x) }
}
