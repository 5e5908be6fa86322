import CSamplerate

/// Converter quality, from libsamplerate's band-limited sinc converters.
public enum ResampleQuality: String, CaseIterable, Codable, Sendable {
    case best, medium, fastest

    var converter: Int32 {
        switch self {
        case .best: return Int32(SRC_SINC_BEST_QUALITY)
        case .medium: return Int32(SRC_SINC_MEDIUM_QUALITY)
        case .fastest: return Int32(SRC_SINC_FASTEST)
        }
    }
}

/// A streaming sample-rate converter over libsamplerate.
///
/// Feed it blocks with `process`, then call `finish` once to drain the filter's delay line.
public final class Resampler {
    private let state: OpaquePointer
    private let ratio: Double
    private var output: [Float]
    /// Input rate in Hz.
    public let inputRate: Int
    /// Output rate in Hz.
    public let outputRate: Int

    /// Creates a mono converter from `inputRate` to `outputRate`.
    public init(from inputRate: Int, to outputRate: Int, quality: ResampleQuality = .medium) throws {
        guard inputRate > 0, outputRate > 0 else {
            throw AudioError.invalidConfiguration("sample rates must be positive (got \(inputRate) → \(outputRate) Hz)")
        }
        ratio = Double(outputRate) / Double(inputRate)
        guard src_is_valid_ratio(ratio) != 0 else {
            throw AudioError.invalidConfiguration("cannot resample \(inputRate) Hz to \(outputRate) Hz: libsamplerate allows ratios from 1/256 to 256")
        }
        var error: Int32 = 0
        guard let state = src_new(quality.converter, 1, &error) else {
            throw AudioError.invalidConfiguration("libsamplerate: \(String(cString: src_strerror(error)))")
        }
        self.state = state
        self.inputRate = inputRate
        self.outputRate = outputRate
        self.output = []
    }

    deinit { src_delete(state) }

    /// Converts `input`, appending the converted samples to `out`.
    public func process(_ input: [Float], into out: inout [Float]) throws {
        try run(input, endOfInput: false, into: &out)
    }

    /// Flushes the converter's remaining samples into `out`.
    public func finish(into out: inout [Float]) throws {
        try run([], endOfInput: true, into: &out)
    }

    private func run(_ input: [Float], endOfInput: Bool, into out: inout [Float]) throws {
        let capacity = Int(Double(max(input.count, 1024)) * ratio) + 64
        if output.count < capacity { output = [Float](repeating: 0, count: capacity) }
        var consumed = 0
        while true {
            var generated = 0
            var used = 0
            let status: Int32 = input.withUnsafeBufferPointer { inBuf in
                output.withUnsafeMutableBufferPointer { outBuf in
                    var data = SRC_DATA()
                    data.data_in = inBuf.baseAddress.map { UnsafePointer($0 + consumed) }
                    data.input_frames = Int(input.count - consumed)
                    data.data_out = outBuf.baseAddress
                    data.output_frames = Int(outBuf.count)
                    data.src_ratio = ratio
                    data.end_of_input = endOfInput ? 1 : 0
                    let s = src_process(state, &data)
                    generated = Int(data.output_frames_gen)
                    used = Int(data.input_frames_used)
                    return s
                }
            }
            guard status == 0 else {
                throw AudioError.resamplingFailed(path: "", reason: String(cString: src_strerror(status)))
            }
            out.append(contentsOf: output[0..<generated])
            consumed += used
            // Done when the input is used up and the output buffer was not filled (more may be
            // pending only when it was); at the end, when the delay line yields nothing more.
            if endOfInput ? generated == 0 : (consumed >= input.count && generated < output.count) { break }
        }
    }

    /// Converts a whole signal in one call.
    public static func resample(_ samples: [Float], from inputRate: Int, to outputRate: Int,
                                quality: ResampleQuality = .medium) throws -> [Float] {
        if inputRate == outputRate { return samples }
        let r = try Resampler(from: inputRate, to: outputRate, quality: quality)
        var out: [Float] = []
        out.reserveCapacity(Int(Double(samples.count) * r.ratio) + 16)
        try r.process(samples, into: &out)
        try r.finish(into: &out)
        return out
    }
}
