import Foundation
import XCTest
@testable import ScribeRecognition

final class ModelLocatorTests: XCTestCase {
    /// A name is looked up in $SCRIBE_MODELS (NAME.safetensors or NAME/model.safetensors);
    /// a path is taken as it is; a miss lists where Scribe looked.
    func testNamesAndPaths() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scribe-models-\(getpid())").path
        try FileManager.default.createDirectory(atPath: dir + "/second", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        FileManager.default.createFile(atPath: dir + "/first.safetensors", contents: Data([0]))
        FileManager.default.createFile(atPath: dir + "/second/model.safetensors", contents: Data([0]))
        setenv("SCRIBE_MODELS", dir, 1)
        defer { unsetenv("SCRIBE_MODELS") }
        XCTAssertEqual(try ModelLocator.locate("first"), dir + "/first.safetensors")
        XCTAssertEqual(try ModelLocator.locate("second"), dir + "/second/model.safetensors")
        XCTAssertEqual(try ModelLocator.locate(dir + "/first.safetensors"), dir + "/first.safetensors")
        XCTAssertThrowsError(try ModelLocator.locate("third")) { error in
            XCTAssertTrue("\(error)".contains("no model \"third\""), "\(error)")
            XCTAssertTrue("\(error)".contains(dir + "/third.safetensors"), "\(error)")
        }
        XCTAssertThrowsError(try ModelLocator.locate(dir + "/none.safetensors")) { XCTAssertTrue("\($0)".contains("no such model file")) }
        XCTAssertThrowsError(try RecognitionModel(path: dir + "/first.safetensors")) { error in
            XCTAssertTrue("\(error)".contains("first.safetensors"), "\(error)")
        }
    }
}
