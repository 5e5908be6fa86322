import XCTest
import ScribeNN

extension XCTestCase {
    /// Fails unless the checkpoints of the two run folders hold the same tensors (weights,
    /// optimizer moments, state), bit for bit.
    func assertSameCheckpoints(_ runA: String, _ runB: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let a = try SafeTensors.load(path: runA + "/checkpoint.safetensors")
        let b = try SafeTensors.load(path: runB + "/checkpoint.safetensors")
        XCTAssertEqual(a.tensors.keys.sorted(), b.tensors.keys.sorted(), file: file, line: line)
        for (name, t) in a.tensors { XCTAssertEqual(t, b.tensors[name], "tensor \(name) differs after resuming", file: file, line: line) }
    }
}
