import ScribeImage

/// Turns the line finder's core and region maps into lines (in cell units: one unit is
/// `LineFinderNetwork.stride` working pixels).
///
/// 1. Cells whose core probability passes the threshold form connected cores; specks go.
/// 2. Cores that continue each other (the next one starts within `joinGap` core heights to
///    the right, at the same height) are one line: the network breaks lines at the wide gaps
///    some writers leave between words.
/// 3. Per column, the line's core spans rows top...bottom (columns inside a gap take the
///    interpolation of their neighbours); the baseline is the core's lower edge.
/// 4. The polygon grows from the core up and down through region cells, at most 2 (up)
///    and 1.5 (down) core heights, and never into another line's core, so ascenders and
///    descenders are kept and neighbouring lines are not.
struct LinePostprocessor {
    let maps: LineMaps
    let threshold: Float
    /// Widest gap, in core heights, between fragments of one line.
    var joinGap: Float = 12

    typealias Point = (x: Float, y: Float)

    func lines() -> [(polygon: [Point], baseline: [Point])] {
        let (w, h) = (maps.width, maps.height)
        guard w > 0, h > 0 else { return [] }
        let mask = maps.core.map { $0 > threshold }
        let (components, labels) = ConnectedComponents.label(mask, width: w, height: h)
        let kept = components.indices.filter { components[$0].pixels >= 3 && components[$0].box.width >= 2 }
        guard !kept.isEmpty else { return [] }
        let heights = kept.map { Self.medianColumnHeight(components[$0].box, label: Int32($0), labels: labels, width: w) }
        let coreHeight = max(1, heights.sorted()[heights.count / 2])
        let group = joinFragments(kept, components: components, labels: labels, coreHeight: coreHeight)

        var members: [Int: [Int]] = [:]
        for c in kept { members[group[c]!, default: []].append(c) }
        var found: [(polygon: [Point], baseline: [Point], box: Box)] = []
        for (g, parts) in members {
            let x0 = parts.map { components[$0].box.x0 }.min()!, x1 = parts.map { components[$0].box.x1 }.max()!
            guard x1 - x0 >= 4 else { continue }
            guard let (tops, bottoms) = coreRows(parts: Set(parts.map(Int32.init)), x0: x0, x1: x1, labels: labels) else { continue }
            let lineCore = max(1, Self.median(zip(tops, bottoms).map { $1 - $0 + 1 }))
            var upper: [Point] = [], lower: [Point] = []
            for (i, x) in (x0..<x1).enumerated() {
                let top = grow(x: x, from: tops[i], step: -1, limit: 2 * lineCore, group: g, group: group, labels: labels)
                let bottom = grow(x: x, from: bottoms[i], step: 1, limit: lineCore * 3 / 2, group: g, group: group, labels: labels)
                upper.append((Float(x) + 0.5, Float(top)))
                lower.append((Float(x) + 0.5, Float(bottom + 1)))
            }
            upper[0].x = Float(x0); lower[0].x = Float(x0)
            upper[upper.count - 1].x = Float(x1); lower[lower.count - 1].x = Float(x1)
            let baseline = stride(from: 0, to: x1 - x0, by: 4).map { (Float(x0 + $0) + 0.5, Float(bottoms[$0] + 1)) }
                + [(Float(x1), Float(bottoms[bottoms.count - 1] + 1))]
            let y0 = Int(upper.map(\.y).min()!), y1 = Int(lower.map(\.y).max()!)
            found.append((upper + lower.reversed(), baseline, Box(x0: x0, y0: y0, x1: x1, y1: y1)))
        }
        return PageSegmenter.readingOrderIndices(found.map(\.box)).map { (found[$0].polygon, found[$0].baseline) }
    }

    /// Union of fragments that continue each other; maps component index → group root.
    func joinFragments(_ kept: [Int], components: [Component], labels: [Int32], coreHeight: Int) -> [Int: Int] {
        var parent = Dictionary(uniqueKeysWithValues: kept.map { ($0, $0) })
        func root(_ i: Int) -> Int { var i = i; while parent[i]! != i { i = parent[i]! }; return i }
        let ends = Dictionary(uniqueKeysWithValues: kept.map { ($0, endRows(components[$0].box, label: Int32($0), labels: labels)) })
        for a in kept {
            let boxA = components[a].box
            var best: (b: Int, gap: Int)? = nil
            for b in kept where b != a {
                let boxB = components[b].box
                let gap = boxB.x0 - boxA.x1
                guard gap >= -1, Float(gap) <= joinGap * Float(coreHeight), boxB.x1 > boxA.x1 else { continue }
                guard abs(ends[a]!.right - ends[b]!.left) <= 0.75 * Float(coreHeight) + 0.5 else { continue }
                if best == nil || gap < best!.gap { best = (b, gap) }
            }
            if let best { parent[root(best.b)] = root(a) }
        }
        return Dictionary(uniqueKeysWithValues: kept.map { ($0, root($0)) })
    }

    /// Mean row of the component's cells in its first and last three columns.
    func endRows(_ box: Box, label: Int32, labels: [Int32]) -> (left: Float, right: Float) {
        func mean(_ xs: Range<Int>) -> Float {
            var sum = 0, n = 0
            for x in xs { for y in box.y0..<box.y1 where labels[y * maps.width + x] == label { sum += y; n += 1 } }
            return n > 0 ? Float(sum) / Float(n) : Float(box.y0 + box.y1) / 2
        }
        return (mean(box.x0..<min(box.x0 + 3, box.x1)), mean(max(box.x1 - 3, box.x0)..<box.x1))
    }

    /// Per column of x0..<x1: the first and last row of the line's core; gaps interpolated.
    func coreRows(parts: Set<Int32>, x0: Int, x1: Int, labels: [Int32]) -> (tops: [Int], bottoms: [Int])? {
        var tops = [Int?](repeating: nil, count: x1 - x0), bottoms = tops
        for x in x0..<x1 {
            for y in 0..<maps.height where parts.contains(labels[y * maps.width + x]) {
                if tops[x - x0] == nil { tops[x - x0] = y }
                bottoms[x - x0] = y
            }
        }
        guard let t = Self.interpolate(tops), let b = Self.interpolate(bottoms) else { return nil }
        return (t, b)
    }

    /// Walks from row `from` in direction `step` through region cells, up to `limit` rows,
    /// stopping before another line's core; returns the last row reached.
    func grow(x: Int, from: Int, step: Int, limit: Int, group g: Int, group: [Int: Int], labels: [Int32]) -> Int {
        var y = from
        for _ in 0..<limit {
            let next = y + step
            guard next >= 0, next < maps.height, maps.region[next * maps.width + x] > threshold else { break }
            let l = labels[next * maps.width + x]
            if l >= 0, let other = group[Int(l)], other != g { break }
            y = next
        }
        return y
    }

    static func interpolate(_ values: [Int?]) -> [Int]? {
        let known = values.indices.filter { values[$0] != nil }
        guard let first = known.first, let last = known.last else { return nil }
        var out = [Int](repeating: 0, count: values.count)
        var previous = first
        for i in values.indices {
            if i <= first { out[i] = values[first]!; continue }
            if i >= last { out[i] = values[last]!; continue }
            if let v = values[i] { out[i] = v; previous = i; continue }
            let next = known.first { $0 > i }!
            let t = Float(i - previous) / Float(next - previous)
            out[i] = Int((Float(values[previous]!) * (1 - t) + Float(values[next]!) * t).rounded())
        }
        return out
    }

    static func medianColumnHeight(_ box: Box, label: Int32, labels: [Int32], width: Int) -> Int {
        var heights: [Int] = []
        for x in box.x0..<box.x1 {
            var top = -1, bottom = -1
            for y in box.y0..<box.y1 where labels[y * width + x] == label { if top < 0 { top = y }; bottom = y }
            if top >= 0 { heights.append(bottom - top + 1) }
        }
        return median(heights)
    }

    static func median(_ values: [Int]) -> Int { values.isEmpty ? 0 : values.sorted()[values.count / 2] }
}
