import Foundation
import ScribeCore
import XCTest
@testable import ScribeNN

final class KernelTests: XCTestCase {
    override func setUp() { ComputeThreads.set(1) }

    /// sgemm through OpenBLAS equals the naive reference for many shapes and transposes.
    func testMatmulMatchesReference() {
        var g = SeededGenerator(seed: 1)
        for (m, n, k) in [(1, 1, 1), (1, 9, 5), (1, 300, 70), (3, 5, 7), (17, 4, 33), (64, 65, 9), (2, 128, 130), (5, 0, 3), (4, 3, 0)] {
            for ta in [false, true] {
                for tb in [false, true] {
                    let a = randomTensor(ta ? [k, m] : [m, k], &g)
                    let b = randomTensor(tb ? [n, k] : [k, n], &g)
                    let fast = matmul(a, b, transposeA: ta, transposeB: tb)
                    let slow = matmul(a, b, transposeA: ta, transposeB: tb, kernel: .reference)
                    // Float32 sums of k products of N(0,1) values: error grows like sqrt(k)·ulp.
                    assertClose(fast, slow, abs: 1e-4 * Float(max(k, 1)).squareRoot(), rel: 1e-5, "matmul \(m)x\(n)x\(k) ta=\(ta) tb=\(tb)")
                }
            }
        }
    }

    func testThreadSettingReachesTheMatrixProducts() {
        ComputeThreads.set(2)
        XCTAssertEqual(ComputeThreads.gemmThreads, 2)
        XCTAssertEqual(ComputeThreads.openBLASThreads, 1, "OpenBLAS's own pool stays at one thread")
        ComputeThreads.set(1)
        XCTAssertEqual(ComputeThreads.gemmThreads, 1)
        XCTAssertEqual(ComputeThreads.count, 1)
    }

    func testImageLayersRestoreTheProductThreadCount() {
        ComputeThreads.set(2)
        defer { ComputeThreads.set(1) }
        var seen = [Int](repeating: 0, count: 2)
        seen.withUnsafeMutableBufferPointer { s in
            ComputeThreads.forEachChunk(5) { _, chunk in s[chunk] = ComputeThreads.gemmThreads }
        }
        XCTAssertEqual(ComputeThreads.chunks(5), 2)
        XCTAssertEqual(ComputeThreads.chunks(1), 1)
        XCTAssertEqual(seen, [1, 1], "products run on one thread inside each chunk")
        XCTAssertEqual(ComputeThreads.gemmThreads, 2, "and get their count back afterwards")
    }

    /// A product large enough to be split among threads (by rows when m ≥ n, else by
    /// columns) matches the reference for every transpose, and a second run with the same
    /// thread count gives the same bits.
    func testSplitProductsMatchTheReference() {
        var g = SeededGenerator(seed: 3)
        defer { ComputeThreads.set(1) }
        for (m, n, k) in [(300, 70, 64), (33, 257, 150), (129, 128, 65)] {
            XCTAssertGreaterThanOrEqual(m * n * k, BLAS.parallelWork, "the shape must be large enough to split")
            for ta in [false, true] {
                for tb in [false, true] {
                    let a = randomTensor(ta ? [k, m] : [m, k], &g)
                    let b = randomTensor(tb ? [n, k] : [k, n], &g)
                    ComputeThreads.set(3)
                    let split = matmul(a, b, transposeA: ta, transposeB: tb)
                    let again = matmul(a, b, transposeA: ta, transposeB: tb)
                    XCTAssertTrue(split.values == again.values, "\(m)x\(n)x\(k) ta=\(ta) tb=\(tb): not reproducible")
                    let slow = matmul(a, b, transposeA: ta, transposeB: tb, kernel: .reference)
                    assertClose(split, slow, abs: 1e-4 * Float(k).squareRoot(), rel: 1e-5, "split \(m)x\(n)x\(k) ta=\(ta) tb=\(tb)")
                }
            }
        }
    }

    #if os(Linux)
    func testAllocatorSettingsAreAcceptedByGlibc() {
        XCTAssertTrue(Allocator.keepLargeBlocks())
    }
    #endif

    func testMatmulKnownValues() {
        let a = Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
        let b = Tensor(shape: [3, 2], values: [7, 8, 9, 10, 11, 12])
        XCTAssertEqual(matmul(a, b).values, [58, 64, 139, 154])
        XCTAssertEqual(matmul(a, a, transposeB: true).values, [14, 32, 32, 77])
    }

    func testOrthogonalInitIsOrthogonal() {
        var g = SeededGenerator(seed: 3)
        let q = Initializer.orthogonal(6, generator: &g)
        let qqt = matmul(q, q, transposeB: true, kernel: .reference)
        var identity = Tensor(shape: [6, 6])
        for i in 0..<6 { identity[i, i] = 1 }
        assertClose(qqt, identity, abs: 1e-5, "Q·Qᵀ")
    }

    func testLSTMInitialisation() {
        var g = SeededGenerator(seed: 4)
        let l = LSTM(inputSize: 3, hiddenSize: 5, forgetBias: 1, generator: &g)
        XCTAssertEqual(Array(l.biasIH.value.values[5..<10]), [Float](repeating: 1, count: 5))
        XCTAssertEqual(l.biasIH.value.values[0..<5].reduce(0, +) + l.biasIH.value.values[10...].reduce(0, +), 0)
        let bound = Float((6.0 / 23.0).squareRoot())
        XCTAssertTrue(l.weightIH.value.values.allSatisfy { abs($0) <= bound })
        // Same seed, same weights; different seed, different weights.
        var g1 = SeededGenerator(seed: 4), g2 = SeededGenerator(seed: 5)
        XCTAssertEqual(LSTM(inputSize: 3, hiddenSize: 5, generator: &g1).weightHH.value, l.weightHH.value)
        XCTAssertNotEqual(LSTM(inputSize: 3, hiddenSize: 5, generator: &g2).weightHH.value, l.weightHH.value)
    }

    /// Forward keeps W_hhᵀ packed between calls: a write to the weights, in place (as an
    /// optimizer makes) or whole (as a load makes), must reach the next forward, and an
    /// in-place write must not copy the weights.
    func testRecurrentWeightsRepackAfterEveryWrite() {
        var g = SeededGenerator(seed: 21)
        let l = LSTM(inputSize: 3, hiddenSize: 20, generator: &g)
        let x = SequenceBatch(values: randomTensor([7, 2, 3], &g), lengths: [7, 5])
        func fresh() -> SequenceBatch {
            var g0 = SeededGenerator(seed: 0)
            let other = LSTM(inputSize: 3, hiddenSize: 20, generator: &g0)
            for (mine, theirs) in zip(l.namedParameters(), other.namedParameters()) { theirs.parameter.value = mine.parameter.value }
            return other.forward(x, training: false)
        }
        _ = l.forward(x, training: false)
        let before = l.weightHH.version
        let address = l.weightHH.value.withUnsafeValues { UInt(bitPattern: $0.baseAddress) }
        l.weightHH.value.withUnsafeMutableValues { w in for i in 0..<w.count { w[i] *= 0.5 } }
        XCTAssertGreaterThan(l.weightHH.version, before)
        XCTAssertEqual(l.weightHH.value.withUnsafeValues { UInt(bitPattern: $0.baseAddress) }, address, "in-place write copied the weights")
        XCTAssertEqual(l.forward(x, training: false).values, fresh().values)
        l.weightHH.value = randomTensor(l.weightHH.value.shape, &g)
        XCTAssertEqual(l.forward(x, training: false).values, fresh().values)
    }
}

final class SmallMKernelTests: XCTestCase {
    /// Each small-m kernel this CPU runs (AVX-512 and AVX2; used for recurrent steps) equals
    /// the naive product for row and column counts around its blocks (8, 4, 2 and 1 rows, and
    /// more rows than it takes at once; 128, 32 and 16 columns, and the columns past the last
    /// 16), with beta 0 and 1.
    func testSmallMKernelsMatchReference() throws {
        let kernels = SmallMKernel.available
        if kernels.isEmpty { throw XCTSkip("this CPU has no AVX2+FMA: products use sgemm") }
        for kernel in kernels { checkSmallMKernel(kernel) }
    }

    /// The kernel chosen at run time is the best this CPU has, by the flags Linux lists.
    func testTheBestAvailableKernelIsChosen() throws {
        guard let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else {
            throw XCTSkip("no /proc/cpuinfo flags on this system")
        }
        let flags = Set(line.split(separator: " ").map(String.init))
        let expected: SmallMKernel? = !flags.isSuperset(of: ["avx2", "fma"]) ? nil : flags.contains("avx512f") ? .avx512 : .avx2
        XCTAssertEqual(BLAS.smallMKernel, expected, "CPU flags: avx2 \(flags.contains("avx2")), avx512f \(flags.contains("avx512f"))")
    }

    private func checkSmallMKernel(_ kernel: SmallMKernel) {
        var g = SeededGenerator(seed: 9)
        for m in [1, 2, 3, 4, 5, 7, 8, 9, 13, 16, 17, 70, 129] {
            for (n, k) in [(24, 7), (25, 3), (48, 16), (8, 1), (7, 5), (100, 33), (1024, 64), (64, 9), (80, 4), (136, 2),
                           (144, 5), (272, 3)] {
                for beta: Float in [0, 1] {
                    let a = randomTensor([m, k], &g), b = randomTensor([k, n], &g)
                    var c = randomTensor([m, n], &g)
                    var expected = c
                    var packed = PackedMatrix()
                    b.withUnsafeValues { pb in packed.update(k: k, n: n) { $0.update(from: pb.baseAddress!, count: k * n) } }
                    a.withUnsafeValues { pa in b.withUnsafeValues { pb in
                        c.withUnsafeMutableValues { pc in
                            packed.multiply(m: m, a: pa.baseAddress!, lda: k, beta: beta, c: pc.baseAddress!, ldc: n,
                                            kernel: kernel)
                        }
                        expected.withUnsafeMutableValues { pe in
                            BLAS.gemmReference(transA: false, transB: false, m: m, n: n, k: k, alpha: 1, a: pa.baseAddress!, lda: k,
                                               b: pb.baseAddress!, ldb: n, beta: beta, c: pe.baseAddress!, ldc: n)
                        }
                    } }
                    assertClose(c, expected, abs: 2e-5 * Float(k).squareRoot(), rel: 1e-5, "\(kernel) \(m)x\(n)x\(k) beta \(beta)")
                }
            }
        }
    }
}

/// The hint for an OpenBLAS that does not know the CPU: given exactly when the kernels in
/// use have no AVX and the CPU has AVX2, and naming the setting that suits the CPU.
final class BLASKernelsTests: XCTestCase {
    func testFallbackOnAnAVX512CPUNamesSkylakeX() throws {
        let hint = try XCTUnwrap(BLASKernels.hint(coreName: "Prescott", hasAVX2: true, hasAVX512: true))
        XCTAssertTrue(hint.contains("Prescott kernels"), hint)
        XCTAssertTrue(hint.contains("OPENBLAS_CORETYPE=SkylakeX"), hint)
    }

    func testFallbackOnAnAVX2CPUNamesHaswell() throws {
        let hint = try XCTUnwrap(BLASKernels.hint(coreName: "CORE2", hasAVX2: true, hasAVX512: false))
        XCTAssertTrue(hint.contains("OPENBLAS_CORETYPE=Haswell"), hint)
    }

    func testNoHintWhenTheKernelsMatchOrTheCPUIsOld() {
        XCTAssertNil(BLASKernels.hint(coreName: "Haswell", hasAVX2: true, hasAVX512: false))
        XCTAssertNil(BLASKernels.hint(coreName: "SkylakeX", hasAVX2: true, hasAVX512: true))
        XCTAssertNil(BLASKernels.hint(coreName: "Zen", hasAVX2: true, hasAVX512: false))
        XCTAssertNil(BLASKernels.hint(coreName: "Prescott", hasAVX2: false, hasAVX512: false))
    }

    /// `coreName` falls back to "unknown" when OpenBLAS gives no name, so only a real answer passes.
    func testTheLoadedLibraryNamesItsKernels() {
        let name = BLASKernels.coreName
        XCTAssertFalse(name.isEmpty)
        XCTAssertNotEqual(name.lowercased(), "unknown", "openblas_get_corename gave no kernel name")
    }
}
