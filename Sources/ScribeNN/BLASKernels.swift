import COpenBLAS
import CScribeKernels

/// Which kernels OpenBLAS chose for this CPU.
///
/// OpenBLAS picks its kernels at load time from the CPU model. A release older than the CPU
/// (Debian bookworm's 0.3.21 on Sapphire or Emerald Rapids, for instance) does not know the
/// model and falls back to its SSE3 "Prescott" kernels: measured on an Emerald Rapids VM,
/// a training step of the stop-26 digit-strings network took 1,143 ms instead of 475-575 ms with
/// `OPENBLAS_CORETYPE` set. The variable is read when the library loads, so Scribe can only
/// say so, not fix it from inside the process.
public enum BLASKernels {
    /// OpenBLAS's name for the kernels in use (`Haswell`, `SkylakeX`, `Zen`, `Prescott`, ...).
    public static var coreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    /// A one-paragraph hint when OpenBLAS runs pre-AVX kernels on a CPU that has AVX2 and FMA,
    /// naming the setting that fixes it; nil when its kernels match the CPU.
    public static var fallbackHint: String? {
        hint(coreName: coreName, hasAVX2: scribe_have_avx2_fma() != 0, hasAVX512: scribe_have_avx512f() != 0)
    }

    /// OpenBLAS core names whose kernels use no AVX (lowercased).
    static let preAVXCores: Set<String> = [
        "prescott", "core2", "penryn", "dunnington", "nehalem", "atom", "katmai", "coppermine",
        "northwood", "banias", "athlon", "opteron", "opteron_sse3", "barcelona", "nano", "unknown",
    ]

    /// The rule behind `fallbackHint`, separate so tests can give it any CPU.
    static func hint(coreName: String, hasAVX2: Bool, hasAVX512: Bool) -> String? {
        guard hasAVX2, preAVXCores.contains(coreName.lowercased()) else { return nil }
        let setting = hasAVX512 ? "SkylakeX" : "Haswell"
        return "warning: OpenBLAS does not recognize this CPU and runs its \(coreName) kernels (no AVX), "
            + "about half the speed this CPU allows; "
            + "export OPENBLAS_CORETYPE=\(setting) before running Scribe, or install a newer OpenBLAS"
    }
}
