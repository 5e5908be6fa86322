import Foundation
import ScribeCore
import XCTest

final class NpyTests: XCTestCase {
    func testRoundTripAndHeaderLayout() throws {
        let m = FeatureMatrix(rows: 3, columns: 2, values: [1, -2, 3.5, .pi, 0, -0])
        let data = Npy.encode(m)
        // numpy.lib.format: magic, version 1.0, header padded so data starts at a multiple of 64.
        XCTAssertEqual(Array(data.prefix(8)), [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0])
        let headerLength = Int(data[8]) | Int(data[9]) << 8
        XCTAssertEqual((10 + headerLength) % 64, 0)
        let header = String(decoding: data[10..<(10 + headerLength)], as: UTF8.self)
        XCTAssertTrue(header.hasPrefix("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }"), header)
        XCTAssertTrue(header.hasSuffix("\n"))
        XCTAssertEqual(data.count, 10 + headerLength + 24)
        XCTAssertEqual(try Npy.decode(data), m)
    }

    func testReadsFloat64AndOneDimensional() throws {
        // Bytes as numpy.save writes np.array([1.5, -2.0]) (float64, 1-D).
        var header = "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }"
        header += String(repeating: " ", count: 128 - 10 - header.count - 1) + "\n"
        var data = Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(header.count), 0])
        data.append(contentsOf: Array(header.utf8))
        for v in [1.5, -2.0] { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        let m = try Npy.decode(data)
        XCTAssertEqual(m.rows, 1)
        XCTAssertEqual(m.values, [1.5, -2])
    }

    func testRejectsMalformedFiles() {
        let good = Npy.encode(FeatureMatrix(rows: 2, columns: 2, values: [1, 2, 3, 4]))
        let cases: [(String, Data)] = [
            ("empty", Data()),
            ("not npy", Data("hello world".utf8)),
            ("truncated data", good.prefix(good.count - 3)),
            ("extra data", good + Data([0, 0, 0, 0])),
            ("int dtype", Data(String(decoding: good, as: UTF8.self).replacingOccurrences(of: "<f4", with: "<i4").utf8)),
        ]
        for (name, data) in cases {
            XCTAssertThrowsError(try Npy.decode(data, path: "x.npy"), name) { error in
                XCTAssertTrue("\(error)".contains("x.npy"), "\(name): \(error)")
            }
        }
    }

    func testMissingFileIsNamed() {
        XCTAssertThrowsError(try Npy.read("/no/such/file.npy")) { XCTAssertTrue("\($0)".contains("/no/such/file.npy")) }
    }
}

final class SupportTests: XCTestCase {
    func testSeededGeneratorIsReproducibleAndRoughlyNormal() {
        var a = SeededGenerator(seed: 42), b = SeededGenerator(seed: 42)
        let xs = (0..<20_000).map { _ in a.nextGaussian() }
        XCTAssertEqual(xs, (0..<20_000).map { _ in b.nextGaussian() })
        let mean = xs.reduce(0, +) / Double(xs.count)
        let variance = xs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(xs.count)
        XCTAssertEqual(mean, 0, accuracy: 0.03)
        XCTAssertEqual(variance, 1, accuracy: 0.05)
    }

    func testChunksCoverEveryIndexOnce() {
        for threads in 1...5 {
            for count in [0, 1, 7, 100] {
                var seen = [Int](repeating: 0, count: count)
                let lock = NSLock()
                Workers.forEachChunk(count: count, threads: threads) { range, _ in
                    lock.lock(); for i in range { seen[i] += 1 }; lock.unlock()
                }
                XCTAssertEqual(seen, [Int](repeating: 1, count: count))
            }
        }
    }

    func testTransposeAndClock() {
        let m = FeatureMatrix(rows: 2, columns: 3, values: [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(m.transposed().values, [1, 4, 2, 5, 3, 6])
        XCTAssertEqual(ProgressBar.clock(75), "1:15")
        XCTAssertEqual(ProgressBar.clock(3725), "1:02:05")
    }
}
