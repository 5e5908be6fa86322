import Foundation
import ScribeCore

/// A trie of words spelled in alphabet classes. Node 0 is the root (the empty spelling);
/// a node may end a word, carrying that word's id.
public struct LexiconTrie: Sendable {
    private var children: [Int64: Int32] = [:]
    private var wordIdOfNode: [Int32] = [-1]
    private let classCount: Int
    /// Words that could not be spelled with the alphabet and were left out.
    public private(set) var skipped: [String] = []

    /// Number of nodes, the root included.
    public var nodeCount: Int { wordIdOfNode.count }

    /// Builds the trie of `words`, each with the id `wordId(word)` (or its index if nil).
    public init(words: [String], alphabet: Alphabet, wordId: ((String) -> Int32?)? = nil) {
        classCount = alphabet.classCount
        for (i, word) in words.enumerated() where !word.isEmpty {
            guard let labels = try? alphabet.labels(for: word), !labels.contains(where: { $0 == alphabet.spaceClass }) else {
                skipped.append(word); continue
            }
            var node: Int32 = 0
            for c in labels {
                let key = Int64(node) * Int64(classCount) + Int64(c)
                if let next = children[key] { node = next } else {
                    let next = Int32(wordIdOfNode.count)
                    wordIdOfNode.append(-1)
                    children[key] = next
                    node = next
                }
            }
            wordIdOfNode[Int(node)] = wordId?(word) ?? Int32(i)
        }
    }

    /// The child of `node` along class `c`, if some word continues that way.
    @inline(__always)
    public func child(_ node: Int32, _ c: Int) -> Int32? {
        children[Int64(node) * Int64(classCount) + Int64(c)]
    }

    /// The id of the word ending at `node`, or -1 if no word ends there.
    @inline(__always)
    public func wordId(at node: Int32) -> Int32 { wordIdOfNode[Int(node)] }

    /// Reads a lexicon file (one word per line; the first tab- or space-separated field is
    /// the word) and builds its trie.
    public static func read(_ path: String, alphabet: Alphabet, wordId: ((String) -> Int32?)? = nil) throws -> (trie: LexiconTrie, words: [String]) {
        guard let data = StandardStreams.contents(of: path), let text = String(data: data, encoding: .utf8) else {
            throw DecodeError.lexicon(path: path, reason: FileManager.default.fileExists(atPath: path)
                ? "cannot read the file as UTF-8 text" : "no such file")
        }
        let words = text.split(whereSeparator: \.isNewline).compactMap { line in
            line.split(whereSeparator: { $0 == "\t" || $0 == " " }).first.map(String.init)
        }
        guard !words.isEmpty else { throw DecodeError.lexicon(path: path, reason: "the file lists no words") }
        let trie = LexiconTrie(words: words, alphabet: alphabet, wordId: wordId)
        guard trie.nodeCount > 1 else {
            throw DecodeError.lexicon(path: path, reason: "none of its \(words.count) words can be spelled with the alphabet")
        }
        return (trie, words)
    }
}
