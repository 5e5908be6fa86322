import XCTest
@testable import scribe

final class BenchTrainStepTests: XCTestCase {
    func testRejectsTooFewFramesAndBadLists() {
        XCTAssertThrowsError(try Scribe.BenchTrainStep.parse(["--frames", "100", "--target-length", "60"])) {
            XCTAssertTrue(Scribe.BenchTrainStep.message(for: $0).contains("too short"))
        }
        XCTAssertThrowsError(try Scribe.BenchTrainStep.parse(["--threads", "0"]))
        XCTAssertThrowsError(try Scribe.BenchTrainStep.parse(["--batch", "a,b"]))
    }

    func testTinyRunCompletes() throws {
        let command = try Scribe.BenchTrainStep.parse(["--input", "4", "--hidden", "8", "--layers", "1", "--classes", "5",
                                                       "--batch", "1,2", "--frames", "12", "--target-length", "3",
                                                       "--steps", "1", "--warmup", "0", "--inference-frames", "20", "--json"])
        XCTAssertEqual(command.spec, "[Lbx8 Fl5]")
        try command.run()
    }
}
