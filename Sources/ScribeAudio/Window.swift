import Foundation

/// Analysis windows, periodic ("DFT-even") as `scipy.signal.get_window(..., fftbins=True)`
/// returns them, which is what librosa and torchaudio use for the STFT.
public enum WindowKind: String, CaseIterable, Codable, Sendable {
    case hann, hamming

    /// The window of `length` samples, zero-padded on both sides to `nFFT` samples and
    /// centred as `librosa.util.pad_center` does (left padding `(nFFT - length) / 2`).
    public func coefficients(length: Int, nFFT: Int) -> [Float] {
        precondition(length >= 1 && length <= nFFT, "window length must be in 1...nFFT")
        var out = [Float](repeating: 0, count: nFFT)
        let offset = (nFFT - length) / 2
        let (a0, a1): (Double, Double) = self == .hann ? (0.5, 0.5) : (0.54, 0.46)
        for n in 0..<length {
            // Periodic window: the period is `length`, not `length - 1`.
            out[offset + n] = Float(a0 - a1 * cos(2 * Double.pi * Double(n) / Double(length)))
        }
        return out
    }
}
