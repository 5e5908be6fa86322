import Foundation

/// The mel scale used to place filter centres.
public enum MelScale: String, CaseIterable, Codable, Sendable {
    /// O'Shaughnessy / HTK: `2595 · log10(1 + f / 700)` (librosa `htk=True`).
    case htk
    /// Slaney's Auditory Toolbox: linear below 1 kHz, logarithmic above (librosa `htk=False`).
    case slaney

    /// Hertz to mels, as `librosa.hz_to_mel`.
    public func mel(fromHz f: Double) -> Double {
        switch self {
        case .htk:
            return 2595 * log10(1 + f / 700)
        case .slaney:
            let fSp = 200.0 / 3, minLogHz = 1000.0, minLogMel = minLogHz / fSp
            let logStep = log(6.4) / 27
            return f >= minLogHz ? minLogMel + log(f / minLogHz) / logStep : f / fSp
        }
    }

    /// Mels to hertz, as `librosa.mel_to_hz`.
    public func hz(fromMel m: Double) -> Double {
        switch self {
        case .htk:
            return 700 * (pow(10, m / 2595) - 1)
        case .slaney:
            let fSp = 200.0 / 3, minLogHz = 1000.0, minLogMel = minLogHz / fSp
            let logStep = log(6.4) / 27
            return m >= minLogMel ? minLogHz * exp(logStep * (m - minLogMel)) : fSp * m
        }
    }
}

/// Triangular mel filters over the bins of a real FFT, with Slaney area normalization
/// (each filter scaled by `2 / (f[i+2] - f[i])`), matching `librosa.filters.mel(norm="slaney")`.
///
/// Filters are stored sparsely (first bin and weights), since each covers only the bins
/// between its neighbours' centres; `apply` is the fast kernel and `denseWeights` the
/// plain matrix that tests use as its oracle.
public struct MelFilterbank: Sendable {
    /// Number of filters.
    public let count: Int
    /// Number of FFT bins, `nFFT / 2 + 1`.
    public let bins: Int
    /// First non-zero bin of each filter.
    let starts: [Int]
    /// Non-zero weights of each filter, concatenated; `offsets[i]..<offsets[i+1]`.
    let weights: [Float]
    let offsets: [Int]

    /// Builds `nMels` filters for an `nFFT`-point FFT at `sampleRate`, spanning `fMin`...`fMax` Hz.
    public init(sampleRate: Int, nFFT: Int, nMels: Int, fMin: Double, fMax: Double, scale: MelScale) {
        precondition(nMels >= 1 && fMax > fMin && fMin >= 0, "invalid mel filterbank parameters")
        count = nMels
        bins = nFFT / 2 + 1
        // Computed in Double and rounded once, as librosa computes in float64 and casts.
        let fftFreqs = (0..<bins).map { Double($0) * Double(sampleRate) / Double(nFFT) }
        let melLo = scale.mel(fromHz: fMin), melHi = scale.mel(fromHz: fMax)
        let centres = (0..<(nMels + 2)).map { i in
            scale.hz(fromMel: melLo + (melHi - melLo) * Double(i) / Double(nMels + 1))
        }
        var starts: [Int] = [], weights: [Float] = [], offsets = [0]
        for i in 0..<nMels {
            let lower = centres[i], centre = centres[i + 1], upper = centres[i + 2]
            let norm = 2 / (upper - lower)
            var first = -1
            var row: [Float] = []
            for (k, f) in fftFreqs.enumerated() {
                let rising = (f - lower) / (centre - lower)
                let falling = (upper - f) / (upper - centre)
                let w = max(0, min(rising, falling)) * norm
                if w > 0 {
                    if first < 0 { first = k }
                    // Keep interior zeros so the weights stay contiguous.
                    while first + row.count < k { row.append(0) }
                    row.append(Float(w))
                }
            }
            starts.append(max(first, 0))
            weights.append(contentsOf: row)
            offsets.append(weights.count)
        }
        self.starts = starts
        self.weights = weights
        self.offsets = offsets
    }

    /// Applies the filters to one spectrum: `out[m] = Σ_k W[m, k] · spectrum[k]`.
    ///
    /// - Parameters:
    ///   - spectrum: `bins` values.
    ///   - out: `count` values.
    @inline(__always)
    func apply(_ spectrum: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>) {
        weights.withUnsafeBufferPointer { w in
            for m in 0..<count {
                var acc: Float = 0
                let base = starts[m]
                for j in offsets[m]..<offsets[m + 1] { acc += w[j] * spectrum[base + j - offsets[m]] }
                out[m] = acc
            }
        }
    }

    /// The filters as a dense `count × bins` row-major matrix (the layout of librosa's).
    public var denseWeights: [Float] {
        var dense = [Float](repeating: 0, count: count * bins)
        for m in 0..<count {
            for j in offsets[m]..<offsets[m + 1] { dense[m * bins + starts[m] + j - offsets[m]] = weights[j] }
        }
        return dense
    }

    /// Indices of filters with no non-zero weight (too many mels for the FFT resolution).
    public var emptyFilters: [Int] {
        (0..<count).filter { m in !weights[offsets[m]..<offsets[m + 1]].contains { $0 > 0 } }
    }
}
