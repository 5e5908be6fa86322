import ArgumentParser
import ScribeAudio
import ScribeCore

extension FeatureKind: ExpressibleByArgument {}
extension MelScale: ExpressibleByArgument {}
extension WindowKind: ExpressibleByArgument {}
extension ResampleQuality: ExpressibleByArgument {}

/// Front-end options shared by every command that analyses audio, named as in librosa.
struct FrontEndOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Resample to this rate (Hz) before analysis. (default: 16000, or the file's own rate when it is lower: upsampling adds no content, only an empty top half)")
    var sampleRate: Int?
    @Option(parsing: .unconditional, help: "FFT size in samples. (default: 25 ms at --sample-rate)")
    var nFFT: Int?
    @Option(parsing: .unconditional, help: "Window length in samples, ≤ --n-fft. (default: --n-fft)")
    var winLength: Int?
    @Option(parsing: .unconditional, help: "Hop between frames in samples. (default: 10 ms at --sample-rate)")
    var hopLength: Int?
    @Option(parsing: .unconditional, help: "Number of mel filters. (default: 80 at 16 kHz and above, 40 below)")
    var nMels: Int?
    @Option(parsing: .unconditional, help: "Lowest mel filter edge (Hz).")
    var fMin: Double = 0
    @Option(parsing: .unconditional, help: "Highest mel filter edge (Hz). (default: --sample-rate / 2)")
    var fMax: Double?
    @Option(help: "Mel scale: htk or slaney (librosa's htk=True / htk=False).")
    var melScale: MelScale = .slaney
    @Option(help: "Analysis window: hann or hamming (periodic).")
    var window: WindowKind = .hann
    @Option(parsing: .unconditional, help: "Pre-emphasis coefficient, e.g. 0.97 (0: off).")
    var preEmphasis: Float = 0
    @Option(parsing: .unconditional, help: "Standard deviation of Gaussian dither added to samples (0: off).")
    var dither: Float = 0
    @Flag(inversion: .prefixedNo, help: "Centre frame t on sample t·hop with zero padding (librosa center=True).")
    var center = true
    @Option(help: "Resampling quality: best, medium or fastest.")
    var resampleQuality: ResampleQuality = .medium
    @Option(help: "Worker threads. (default: all cores)")
    var threads: Int?

    /// The rate `file` is analysed at: --sample-rate, else 16 kHz or the file's own rate if lower.
    func rate(for file: String) throws -> Int {
        if let sampleRate { return sampleRate }
        return min(16_000, try AudioFile.info(file).sampleRate)
    }

    /// The configuration these options describe, for `kind` and the audio `file`.
    func config(kind: FeatureKind, file: String) throws -> FrontEndConfig {
        config(kind: kind, rate: try rate(for: file))
    }

    /// The configuration for `kind` at the sample rate `rate`.
    func config(kind: FeatureKind, rate: Int) -> FrontEndConfig {
        var c = FrontEndConfig.speech(sampleRate: rate, kind: kind)
        if let nFFT { c.nFFT = nFFT; c.winLength = nFFT }
        if let winLength { c.winLength = winLength }
        if let hopLength { c.hopLength = hopLength }
        if let nMels { c.nMels = nMels }
        c.fMin = fMin
        c.fMax = fMax
        c.melScale = melScale
        c.window = window
        c.preEmphasis = preEmphasis
        c.dither = dither
        c.center = center
        c.resampleQuality = resampleQuality
        return c
    }

    var threadCount: Int { threads ?? Workers.availableCores }

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        // Numbers out of range are a wrong command line, whatever the file (16 kHz stands in
        // for a rate not given).
        do { try config(kind: .logmel, rate: sampleRate ?? 16_000).validate() } catch { throw ValidationError("\(error)") }
    }
}

/// Options that shape feature matrices (not pictures): MFCC count, deltas, normalization.
struct FeatureShapeOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Number of MFCCs (with --kind mfcc).")
    var nMFCC: Int = 13
    @Option(parsing: .unconditional, help: "Append deltas (1) or deltas and delta-deltas (2).")
    var deltas: Int = 0
    @Flag(help: "Normalize each feature to zero mean and unit variance over the utterance.")
    var normalize = false

    func apply(to c: inout FrontEndConfig) {
        c.nMFCC = nMFCC
        c.deltaOrder = deltas
        c.normalize = normalize
    }
}
