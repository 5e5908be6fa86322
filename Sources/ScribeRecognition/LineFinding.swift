import ScribeImage

/// How a page's text lines are found: with a trained `LineFinder` (the default, model
/// `poilus-lines`) or with the classical rule-based `PageSegmenter`.
public enum LineFinding {
    case learned(LineFinder)
    case classical(PageSegmenter)

    /// The name of the shipped default line-finder model.
    public static let defaultModel = "poilus-lines"

    /// `classical`, or a line-finder model's name or path.
    public static func named(_ name: String) throws -> LineFinding {
        name == "classical" ? .classical(PageSegmenter()) : .learned(try LineFinder.load(name))
    }

    /// Lines in reading order, with polygons (and baselines for the learned finder).
    public func lines(in page: GrayImage) -> [LayoutLine] {
        switch self {
        case .learned(let finder): return finder.lines(in: page)
        case .classical(let segmenter): return segmenter.lines(in: page)
        }
    }

    /// An independent copy for another thread (a network keeps per-call buffers).
    public func copy() -> LineFinding {
        switch self {
        case .learned(let finder): return .learned(finder.copy())
        case .classical: return self
        }
    }
}

extension LineFinder {
    /// The same finder with its own network (parameters copied), for use on another thread.
    public func copy() -> LineFinder {
        let network = LineFinderNetwork(widths: self.network.widths)
        for (p, q) in zip(network.parameters, self.network.parameters) { p.value = q.value }
        var out = LineFinder(network: network, workingSide: workingSide)
        out.threshold = threshold
        out.metadata = metadata
        return out
    }
}
