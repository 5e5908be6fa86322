// Vectorised exp, sigmoid and tanh for the recurrent cells: eight lanes at a time with
// Cephes' single-precision exp polynomial (relative error about 2e-7 on [-87, 88]).
// `FastMathTests` compares them with libm (the reference) over the whole useful range.

typealias Float8 = SIMD8<Float>

enum FastMath {
    /// Inputs are clamped to this range so 2^n stays a normal float.
    static let expInputMin: Float = -87.3
    static let expInputMax: Float = 88.3

    /// e^x per lane.
    @inline(__always)
    static func exp(_ v: Float8) -> Float8 {
        // (`clamped` calls unspecialised pointwiseMin/Max; masks compile to vector selects.)
        var x = v
        x.replace(with: expInputMin, where: x .< expInputMin)
        x.replace(with: expInputMax, where: x .> expInputMax)
        // n = round(x / ln 2) without a float-to-int conversion: adding 1.5·2^23 leaves n in
        // the low mantissa bits (Swift's generic SIMD conversions are not vectorised).
        let shifter = Float8(repeating: 12_582_912)
        let shifted = x * 1.44269504088896341 + shifter
        let fn = shifted - shifter
        let n = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- unsafeBitCast(shifter, to: SIMD8<Int32>.self)
        // r = x - n·ln 2, with ln 2 split in two parts for accuracy.
        let r = x - fn * 0.693359375 + fn * 2.12194440e-4
        var p = Float8(repeating: 1.9875691500e-4)
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        p = p * (r * r) + r + 1
        let scale = unsafeBitCast((n &+ 127) &<< 23, to: Float8.self)
        return p * scale
    }

    /// 1 / (1 + e^-x) per lane.
    @inline(__always)
    static func sigmoid(_ x: Float8) -> Float8 { 1 / (1 + exp(-x)) }

    /// tanh(x) = 1 - 2 / (1 + e^2x) per lane (absolute error below 2e-7).
    @inline(__always)
    static func tanh(_ x: Float8) -> Float8 { 1 - 2 / (1 + exp(x + x)) }

    @inline(__always) static func sigmoid(_ x: Float) -> Float { sigmoid(Float8(repeating: x))[0] }
    @inline(__always) static func tanh(_ x: Float) -> Float { tanh(Float8(repeating: x))[0] }

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> Float8 { UnsafeRawPointer(p).loadUnaligned(as: Float8.self) }
    @inline(__always)
    static func store(_ v: Float8, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: Float8.self) }
}
