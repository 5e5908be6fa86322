import Foundation
import XCTest
@testable import ScribeNN

/// The vectorised exp/sigmoid/tanh used by the recurrent cells against libm.
final class FastMathTests: XCTestCase {
    func testAgainstLibm() {
        var worstExp = 0.0, worstSigmoid = 0.0, worstTanh = 0.0
        var x: Float = -90
        while x < 90 {
            let v = SIMD8<Float>((0..<8).map { x + Float($0) * 0.003 })
            let e = FastMath.exp(v), s = FastMath.sigmoid(v), t = FastMath.tanh(v)
            for k in 0..<8 {
                let xd = Double(v[k])
                if xd > -87 && xd < 88 { worstExp = max(worstExp, abs(Double(e[k]) / Foundation.exp(xd) - 1)) }
                worstSigmoid = max(worstSigmoid, abs(Double(s[k]) - 1 / (1 + Foundation.exp(-xd))))
                worstTanh = max(worstTanh, abs(Double(t[k]) - Foundation.tanh(xd)))
            }
            x += 0.0237
        }
        XCTAssertLessThan(worstExp, 3e-7, "relative error of exp")
        XCTAssertLessThan(worstSigmoid, 2e-7, "absolute error of sigmoid")
        XCTAssertLessThan(worstTanh, 3e-7, "absolute error of tanh")
        XCTAssertEqual(FastMath.sigmoid(Float(0)), 0.5, accuracy: 1e-7)
        XCTAssertEqual(FastMath.tanh(Float(-100)), -1)
        XCTAssertEqual(FastMath.tanh(Float(100)), 1)
    }
}
