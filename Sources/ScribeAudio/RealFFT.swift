import CFFTW
import Foundation

/// A cache of FFTW single-precision real-to-complex plans, one per transform size.
///
/// FFTW's planner is not thread-safe, so plans are made under a lock, once per size, with
/// `FFTW_ESTIMATE` (deterministic: the same plan, and so the same rounding, on every run).
/// Executing a plan on new arrays (`fftwf_execute_dft_r2c`) is thread-safe, so every
/// `RealFFT` shares the cached plan and owns its own aligned buffers.
enum FFTPlanCache {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var plans: [Int: OpaquePointer] = [:]

    static func plan(size n: Int) -> OpaquePointer {
        lock.lock(); defer { lock.unlock() }
        if let plan = plans[n] { return plan }
        // FFTW_ESTIMATE does not touch the arrays; fftwf_malloc gives the SIMD alignment that
        // every buffer later passed to fftwf_execute_dft_r2c also has.
        let input = fftwf_alloc_real(n)!
        let output = fftwf_alloc_complex(n / 2 + 1)!
        defer { fftwf_free(input); fftwf_free(output) }
        guard let plan = fftwf_plan_dft_r2c_1d(Int32(n), input, output, UInt32(FFTW_ESTIMATE)) else {
            fatalError("FFTW could not plan a real transform of size \(n)")
        }
        plans[n] = plan
        return plan
    }
}

/// One thread's real FFT workspace of a fixed size: an aligned input frame and the
/// `n/2 + 1` complex bins of its transform. Not shared between threads.
public final class RealFFT {
    /// Transform size.
    public let size: Int
    /// Number of output bins, `size / 2 + 1`.
    public let bins: Int
    private let plan: OpaquePointer
    /// Input frame, `size` floats.
    let input: UnsafeMutablePointer<Float>
    /// Output spectrum, `bins` complex values stored as interleaved (re, im) pairs.
    let output: UnsafeMutablePointer<fftwf_complex>

    /// Creates a workspace for transforms of `size` points (any size FFTW accepts, ≥ 1).
    public init(size: Int) {
        precondition(size >= 1, "FFT size must be positive")
        self.size = size
        self.bins = size / 2 + 1
        self.plan = FFTPlanCache.plan(size: size)
        self.input = fftwf_alloc_real(size)!
        self.output = fftwf_alloc_complex(bins)!
    }

    deinit {
        fftwf_free(input)
        fftwf_free(output)
    }

    /// Transforms `frame` multiplied by `window` and writes `|X_k|^power` for each bin.
    ///
    /// - Parameters:
    ///   - frame: `size` samples.
    ///   - window: `size` window coefficients.
    ///   - out: `bins` values.
    ///   - power: 2 for the power spectrum, 1 for magnitude.
    @inline(__always)
    func spectrum(frame: UnsafePointer<Float>, window: UnsafePointer<Float>,
                  out: UnsafeMutablePointer<Float>, power: Float) {
        for i in 0..<size { input[i] = frame[i] * window[i] }
        fftwf_execute_dft_r2c(plan, input, output)
        output.withMemoryRebound(to: Float.self, capacity: 2 * bins) { c in
            if power == 2 {
                for k in 0..<bins { out[k] = c[2 * k] * c[2 * k] + c[2 * k + 1] * c[2 * k + 1] }
            } else if power == 1 {
                for k in 0..<bins { out[k] = (c[2 * k] * c[2 * k] + c[2 * k + 1] * c[2 * k + 1]).squareRoot() }
            } else {
                for k in 0..<bins { out[k] = Float(pow(Double(c[2 * k] * c[2 * k] + c[2 * k + 1] * c[2 * k + 1]), Double(power) / 2)) }
            }
        }
    }

    /// The complex spectrum of `frame` (no window) as (re, im) pairs; for tests and tools.
    public func transform(_ frame: [Float]) -> [(re: Float, im: Float)] {
        precondition(frame.count == size)
        for i in 0..<size { input[i] = frame[i] }
        fftwf_execute_dft_r2c(plan, input, output)
        return (0..<bins).map { k in (output[k].0, output[k].1) }
    }
}
