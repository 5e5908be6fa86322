import ScribeNN

/// Says once, on standard error, when OpenBLAS runs kernels far below what this CPU can do
/// (`BLASKernels.fallbackHint`): called by the commands whose time is mostly matrix products.
enum BLASWarning {
    private static let once: Void = {
        if let hint = BLASKernels.fallbackHint { printError(hint) }
    }()

    static func check() { _ = once }
}
