import Foundation
import ScribeImage
import XCTest

/// PNG decoding of every colour type, depth and interlacing, and refusal of hostile files.
final class PNGReaderTests: XCTestCase {
    let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    struct Manifest: Decodable {
        struct Case: Decodable { let file: String; let gray: [Int] }
        let width: Int, height: Int, cases: [Case]
    }

    func testEveryFormatDecodesToTheExpectedGray() throws {
        let manifest = try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: fixtures.appendingPathComponent("pngs.json")))
        XCTAssertEqual(manifest.cases.count, 30)
        for c in manifest.cases {
            let image = try PNGReader().read(fixtures.appendingPathComponent(c.file).path)
            XCTAssertEqual(image.width, manifest.width, c.file)
            XCTAssertEqual(image.height, manifest.height, c.file)
            let worst = zip(image.pixels, c.gray).map { abs(Int($0) - $1) }.max() ?? 999
            XCTAssertLessThanOrEqual(worst, 1, "\(c.file): got \(image.pixels), expected \(c.gray)")
        }
    }

    /// A PNG chunk with its length and CRC.
    func chunk(_ type: String, _ body: [UInt8]) -> [UInt8] {
        let typed = Array(type.utf8) + body
        return bigEndian(UInt32(body.count)) + typed + bigEndian(crc32(typed))
    }

    func bigEndian(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xff), UInt8(v >> 8 & 0xff), UInt8(v & 0xff)] }

    func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xffff_ffff
        for b in bytes {
            crc ^= UInt32(b)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    func testPNGBombIsRefusedBeforeAllocating() throws {
        // 100,000 × 100,000 gray pixels declared, with a few bytes of (irrelevant) data.
        let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        let ihdr = bigEndian(100_000) + bigEndian(100_000) + [8, 0, 0, 0, 0]
        let bytes = signature + chunk("IHDR", ihdr) + chunk("IDAT", [0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]) + chunk("IEND", [])
        XCTAssertLessThan(bytes.count, 100)
        XCTAssertThrowsError(try PNGReader().decode(Data(bytes), path: "bomb.png")) { error in
            guard case let ImageReadError.tooLarge(path, width, height, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual([path, "\(width)", "\(height)"], ["bomb.png", "100000", "100000"])
            XCTAssertTrue("\(error)".contains("--max-pixels"))
        }
        // A tighter budget also refuses ordinary images.
        let small = try Data(contentsOf: fixtures.appendingPathComponent("gray8.png"))
        XCTAssertThrowsError(try PNGReader(maxPixels: 20).decode(small))
    }

    /// Found by `scripts/fuzz png`: a 55-byte PNG whose iTXt chunk declares 1.77 GB made
    /// libpng allocate that much before noticing the file ends.
    func testFuzzFindingChunkLongerThanTheFile() throws {
        let bytes = try XCTUnwrap(Data(base64Encoded: "iVBORw0KGgoAAAANSUhEUgAAABgAAAAMCAIAAAD3UuoiaUNDUGlUWHRJREFUKJFQTANJRU5Erg=="))
        XCTAssertThrowsError(try PNGReader().decode(bytes, path: "f.png")) { error in
            XCTAssertEqual(error as? ImageReadError, .corrupt(path: "f.png", reason: "chunk \"iTXt\" declares 1766015824 bytes but the file holds 10 after it"))
        }
        // A valid file passes the same walk.
        XCTAssertNoThrow(try PNGReader().decode(try Data(contentsOf: fixtures.appendingPathComponent("gray8.png"))))
    }

    func testOneByTwoToTheThirtyOnePixelsIsRefusedBeforeAllocating() {
        let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        for (w, h) in [(UInt32(1), UInt32(0x7FFF_FFFF)), (0x7FFF_FFFF, 1), (0x8000_0000, 1)] {
            let ihdr = bigEndian(w) + bigEndian(h) + [8, 0, 0, 0, 0]
            let bytes = signature + chunk("IHDR", ihdr) + chunk("IDAT", [0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]) + chunk("IEND", [])
            XCTAssertThrowsError(try PNGReader().decode(Data(bytes), path: "thin.png")) { error in
                switch error as? ImageReadError {
                case .tooLarge?, .corrupt?: break   // over the budget, or over libpng's own width/height limits
                default: XCTFail("\(error)")
                }
            }
        }
    }

    func testCorruptTruncatedAndForeignFilesGetTypedErrors() throws {
        let good = [UInt8](try Data(contentsOf: fixtures.appendingPathComponent("rgb8.png")))
        var crc = good
        crc[good.count - 20] ^= 0xff   // inside IDAT (before the IEND chunk's 12 bytes): CRC mismatch
        let cases: [(String, [UInt8], (ImageReadError) -> Bool)] = [
            ("crc.png", crc, { if case .corrupt = $0 { return true }; return false }),
            ("truncated.png", Array(good.prefix(good.count / 2)), { if case .corrupt = $0 { return true }; return false }),
            ("header-only.png", Array(good.prefix(20)), { if case .corrupt = $0 { return true }; return false }),
            ("notes.png", Array("just some text".utf8), { if case .notPNG = $0 { return true }; return false }),
            ("empty.png", [], { if case .notPNG = $0 { return true }; return false }),
        ]
        for (name, bytes, check) in cases {
            XCTAssertThrowsError(try PNGReader().decode(Data(bytes), path: name), name) { error in
                guard let e = error as? ImageReadError else { return XCTFail("\(name): untyped \(error)") }
                XCTAssertTrue(check(e), "\(name): \(e)")
                XCTAssertTrue(e.description.contains(name), "\(name): \(e)")
            }
        }
        XCTAssertThrowsError(try PNGReader().read("/no/such/page.png")) { XCTAssertTrue("\($0)".contains("/no/such/page.png")) }
    }
}
