import Foundation

/// What the front end outputs for each frame.
public enum FeatureKind: String, CaseIterable, Codable, Sendable {
    /// `|X_k|^2` for the `nFFT/2 + 1` FFT bins.
    case power
    /// `|X_k|` for the FFT bins.
    case magnitude
    /// Mel-filtered power spectrum (librosa's `melspectrogram`).
    case melpower
    /// Natural log of the mel power, floored at `logFloor`.
    case logmel
    /// Orthonormal DCT-II of the log-mel, first `nMFCC` coefficients.
    case mfcc
}

/// Every setting of the audio front end, named as in librosa and torchaudio.
///
/// Frame `t` is centred at sample `t · hopLength`: the signal is padded with
/// `nFFT / 2` zeros on both sides (librosa's `center=True, pad_mode="constant"`), so a
/// signal of `N` samples gives `1 + N / hopLength` frames for even `nFFT`.
/// This value is stored in model files so training and recognition use the same features.
public struct FrontEndConfig: Codable, Equatable, Sendable {
    /// Rate the audio is resampled to before analysis, in Hz.
    public var sampleRate: Int
    /// FFT size in samples.
    public var nFFT: Int
    /// Window length in samples (≤ `nFFT`; the window is zero-padded and centred in the FFT frame).
    public var winLength: Int
    /// Hop between frames in samples.
    public var hopLength: Int
    /// Number of mel filters.
    public var nMels: Int
    /// Lowest filter edge in Hz.
    public var fMin: Double
    /// Highest filter edge in Hz; `nil` means `sampleRate / 2`.
    public var fMax: Double?
    /// Mel scale of filter centres.
    public var melScale: MelScale
    /// Analysis window.
    public var window: WindowKind
    /// What each frame holds.
    public var kind: FeatureKind
    /// Number of MFCCs kept when `kind == .mfcc`.
    public var nMFCC: Int
    /// Floor applied before the logarithm of log-mel and MFCC.
    public var logFloor: Float
    /// 0: none; 1: append deltas; 2: append deltas and delta-deltas.
    public var deltaOrder: Int
    /// Deltas use the regression over `±deltaWindow` frames (HTK; 2 gives a 5-frame window).
    public var deltaWindow: Int
    /// Per-utterance mean and variance normalization of each feature column.
    public var normalize: Bool
    /// Pre-emphasis coefficient (0 disables): `y[n] = x[n] - c · x[n-1]`.
    public var preEmphasis: Float
    /// Standard deviation of Gaussian dither added to samples (0 disables).
    public var dither: Float
    /// Seed of the dither noise.
    public var ditherSeed: UInt64
    /// Centre frames on `t · hopLength` with zero padding (librosa's `center=True`).
    public var center: Bool
    /// libsamplerate converter used when the file's rate differs from `sampleRate`.
    public var resampleQuality: ResampleQuality

    /// Speech defaults for `sampleRate`: 25 ms Hann window, 10 ms hop, 80 mels at 16 kHz and
    /// above, 40 mels below (8 kHz telephone speech has too few FFT bins for 80).
    public static func speech(sampleRate: Int = 16_000, kind: FeatureKind = .logmel) -> FrontEndConfig {
        let win = Int((Double(sampleRate) * 0.025).rounded())
        return FrontEndConfig(
            sampleRate: sampleRate, nFFT: win, winLength: win,
            hopLength: Int((Double(sampleRate) * 0.010).rounded()),
            nMels: sampleRate >= 16_000 ? 80 : 40, fMin: 0, fMax: nil, melScale: .slaney,
            window: .hann, kind: kind, nMFCC: 13, logFloor: 1e-10, deltaOrder: 0, deltaWindow: 2,
            normalize: false, preEmphasis: 0, dither: 0, ditherSeed: 0, center: true,
            resampleQuality: .medium)
    }

    /// Upper filter edge in Hz.
    public var effectiveFMax: Double { fMax ?? Double(sampleRate) / 2 }

    /// Number of columns before deltas.
    public var baseDimension: Int {
        switch kind {
        case .power, .magnitude: return nFFT / 2 + 1
        case .melpower, .logmel: return nMels
        case .mfcc: return nMFCC
        }
    }

    /// Number of columns of the output.
    public var featureDimension: Int { baseDimension * (1 + deltaOrder) }

    /// Number of frames for a signal of `samples` samples at `sampleRate`.
    public func frameCount(samples: Int) -> Int {
        let padded = center ? samples + 2 * (nFFT / 2) : samples
        return padded < nFFT ? 0 : 1 + (padded - nFFT) / hopLength
    }

    /// Checks every setting, throwing a message that names the option and its valid range.
    public func validate() throws {
        func fail(_ message: String) throws -> Never { throw AudioError.invalidConfiguration(message) }
        if sampleRate < AudioLimits.minSampleRate || sampleRate > AudioLimits.maxSampleRate {
            try fail("--sample-rate \(sampleRate) Hz is outside \(AudioLimits.minSampleRate)...\(AudioLimits.maxSampleRate) Hz")
        }
        if nFFT < 2 || nFFT > 1 << 16 { try fail("--n-fft \(nFFT) is outside 2...65536") }
        if winLength < 1 || winLength > nFFT { try fail("--win-length \(winLength) must be between 1 and --n-fft (\(nFFT))") }
        if hopLength < 1 { try fail("--hop-length must be at least 1 (got \(hopLength))") }
        if fMin < 0 { try fail("--f-min must be non-negative (got \(fMin))") }
        if effectiveFMax > Double(sampleRate) / 2 + 1e-9 {
            try fail("--f-max \(effectiveFMax) Hz is above the Nyquist frequency \(sampleRate / 2) Hz")
        }
        if effectiveFMax <= fMin { try fail("--f-max (\(effectiveFMax) Hz) must be above --f-min (\(fMin) Hz)") }
        if [.melpower, .logmel, .mfcc].contains(kind) {
            if nMels < 1 { try fail("--n-mels must be at least 1") }
            let bank = MelFilterbank(sampleRate: sampleRate, nFFT: nFFT, nMels: nMels,
                                     fMin: fMin, fMax: effectiveFMax, scale: melScale)
            let empty = bank.emptyFilters
            if !empty.isEmpty {
                try fail("\(empty.count) of the \(nMels) mel filters cover no FFT bin (--n-fft \(nFFT) at \(sampleRate) Hz is too coarse); lower --n-mels or raise --n-fft")
            }
        }
        if kind == .mfcc && (nMFCC < 1 || nMFCC > nMels) { try fail("--n-mfcc must be between 1 and --n-mels (\(nMels))") }
        if !(0...2).contains(deltaOrder) { try fail("--deltas must be 0, 1 or 2") }
        if deltaWindow < 1 { try fail("the delta window must be at least 1 frame") }
        if !(0..<1).contains(preEmphasis) { try fail("--pre-emphasis must be in [0, 1) (got \(preEmphasis))") }
        if dither < 0 || !dither.isFinite { try fail("--dither must be a non-negative number") }
        if !(logFloor > 0) { try fail("the log floor must be positive") }
    }
}
