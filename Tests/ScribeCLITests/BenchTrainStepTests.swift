import XCTest
@testable import scribe

final class BenchTrainStepTests: XCTestCase {
    func testRejectsTooFewFramesAndBadLists() {
        XCTAssertThrowsError(try Scribe.BenchTrainStep.parse(["--frames", "100", "--target-length", "60"])) {
            XCTAssertTrue(Scribe.BenchTrainStep.message(for: $0).contains("too few"))
        }
        XCTAssertThrowsError(try Scribe.BenchTrainStep.parse(["--threads", "0"]))
        XCTAssertThrowsError(try Scribe.BenchTrainStep.parse(["--batch", "a,b"]))
    }

    func testTinyRunCompletes() throws {
        let command = try Scribe.BenchTrainStep.parse(["--input", "4", "--hidden", "8", "--layers", "1", "--classes", "5",
                                                       "--batch", "1,2", "--frames", "12", "--target-length", "3",
                                                       "--steps", "1", "--warmup", "0", "--inference-frames", "20", "--json"])
        XCTAssertEqual(command.networkSpec, "[Lbx8 Fl5]")
        try command.run()
    }

    func testLineNetworkSpec() throws {
        let spec = "Cb3x3,4 Mp2x2 Cr3x3,6 W8s2 Do20 Fl8 Lbx6"
        let command = try Scribe.BenchTrainStep.parse(["--spec", spec, "--input", "8", "--classes", "5", "--frames", "40",
                                                       "--target-length", "5", "--steps", "1", "--warmup", "0",
                                                       "--inference-frames", "30", "--json"])
        XCTAssertEqual(command.networkSpec, "[\(spec) Fl5]")
        try command.run()
        // 40 columns give 21 frames at a 2-pixel step: too few for 11 labels, and the message says so.
        XCTAssertThrowsError(try Scribe.BenchTrainStep.parse(["--spec", spec, "--input", "8", "--frames", "40", "--target-length", "11"])) {
            XCTAssertTrue(Scribe.BenchTrainStep.message(for: $0).contains("21 output frames"), Scribe.BenchTrainStep.message(for: $0))
        }
        XCTAssertThrowsError(try Scribe.BenchTrainStep.parse(["--spec", "Zz9", "--frames", "40", "--target-length", "2"])) {
            XCTAssertTrue(Scribe.BenchTrainStep.message(for: $0).contains("--spec"), Scribe.BenchTrainStep.message(for: $0))
        }
    }
}
