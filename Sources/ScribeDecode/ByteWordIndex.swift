/// Word → id for words given as UTF-8 bytes, without making a `String` per look-up: the ARPA
/// reader looks up every word of every n-gram line, a few hundred thousand times for a
/// character 6-gram, and `String` creation, hashing and `Character` handling were most of the
/// loading time. Open addressing with linear probing over FNV-1a hashes; the bytes of every
/// word are kept, so a look-up compares bytes and never confuses two words.
struct ByteWordIndex {
    private var bytes: [UInt8] = []          // every word's UTF-8 bytes, one after another
    private var spans: [Range<Int>] = []     // per id: its bytes in `bytes`
    private var slots: [Int32] = Array(repeating: -1, count: 64) // id, or -1 for empty; count a power of two

    static func hash(_ word: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in word { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        return h
    }

    /// The id of `word`, or nil.
    func find(_ word: UnsafeBufferPointer<UInt8>) -> Int32? {
        let mask = slots.count - 1
        var i = Int(truncatingIfNeeded: Self.hash(word)) & mask
        while true {
            let id = slots[i]
            if id < 0 { return nil }
            if matches(Int(id), word) { return id }
            i = (i + 1) & mask
        }
    }

    /// Adds `word` with `id`; ids must be given in order 0, 1, 2, ... and words only once.
    mutating func insert(_ word: UnsafeBufferPointer<UInt8>, id: Int32) {
        precondition(Int(id) == spans.count, "ByteWordIndex ids are given in order")
        spans.append(bytes.count..<(bytes.count + word.count))
        bytes.append(contentsOf: word)
        if 2 * spans.count > slots.count { rehash(slotCount: 2 * slots.count) } else { place(id) }
    }

    private func matches(_ id: Int, _ word: UnsafeBufferPointer<UInt8>) -> Bool {
        let span = spans[id]
        guard span.count == word.count else { return false }
        for k in 0..<word.count where bytes[span.lowerBound + k] != word[k] { return false }
        return true
    }

    private mutating func place(_ id: Int32) {
        let span = spans[Int(id)]
        let h = bytes.withUnsafeBufferPointer { Self.hash(UnsafeBufferPointer(rebasing: $0[span])) }
        let mask = slots.count - 1
        var i = Int(truncatingIfNeeded: h) & mask
        while slots[i] >= 0 { i = (i + 1) & mask }
        slots[i] = id
    }

    private mutating func rehash(slotCount: Int) {
        slots = Array(repeating: -1, count: slotCount)
        for id in spans.indices { place(Int32(id)) }
    }
}
