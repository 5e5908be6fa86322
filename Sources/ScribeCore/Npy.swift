import Foundation

/// Errors reading or writing NumPy `.npy` files.
public enum NpyError: Error, CustomStringConvertible, Equatable {
    /// The file could not be read or written.
    case io(path: String, reason: String)
    /// The file is not a version 1/2/3 `.npy` file with a float32 or float64 array.
    case malformed(path: String, reason: String)

    public var description: String {
        switch self {
        case let .io(path, reason):
            return "\(path): \(reason)"
        case let .malformed(path, reason):
            return "\(path): not a usable .npy file: \(reason). Expected a little-endian float32 (or float64) array written by numpy.save."
        }
    }
}

/// NumPy `.npy` reading and writing for 1-D and 2-D float arrays.
///
/// The format is documented in `numpy.lib.format`: a magic string `\x93NUMPY`, a version,
/// a header length, a Python dict literal with `descr`, `fortran_order` and `shape`,
/// padded with spaces so the data starts on a 64-byte boundary, then the raw data.
public enum Npy {
    /// Encodes a matrix as `.npy` bytes (`<f4`, C order, shape `(rows, columns)`).
    public static func encode(_ matrix: FeatureMatrix) -> Data {
        encode(values: matrix.values, shape: [matrix.rows, matrix.columns])
    }

    /// Encodes float32 values with any shape as `.npy` bytes.
    public static func encode(values: [Float], shape: [Int]) -> Data {
        var data = header(shape: shape, count: values.count)
        values.withUnsafeBufferPointer { LittleEndian.appendFloats($0, to: &data) }
        return data
    }

    /// The magic, version, header length and header dict, padded so data starts on a 64-byte boundary.
    static func header(shape: [Int], count: Int) -> Data {
        precondition(shape.reduce(1, *) == count, "Npy: shape does not match value count")
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shapeText), }"
        let preamble = 10 // magic(6) + version(2) + header length(2)
        let total = preamble + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - total % 64) % 64) + "\n"
        var data = Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0])
        let length = UInt16(header.utf8.count)
        data.append(UInt8(length & 0xff))
        data.append(UInt8(length >> 8))
        data.append(contentsOf: Array(header.utf8))
        return data
    }

    /// Writes a matrix to `path` atomically (a temporary file beside it, then a rename),
    /// streaming the values instead of copying them into one buffer.
    /// `-` writes to standard output.
    public static func write(_ matrix: FeatureMatrix, to path: String) throws {
        if StandardStreams.isStream(path) { return try StandardStreams.writeToStandardOutput(encode(matrix)) }
        let url = URL(fileURLWithPath: path)
        let temp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp").path
        func fail(_ reason: String) -> NpyError {
            unlink(temp)
            return NpyError.io(path: path, reason: "cannot write the output file (\(reason)); check that its folder exists and is writable")
        }
        guard FileManager.default.createFile(atPath: temp, contents: header(shape: [matrix.rows, matrix.columns], count: matrix.values.count)),
              let handle = FileHandle(forWritingAtPath: temp) else {
            throw fail(String(cString: strerror(errno)))
        }
        do {
            try handle.seekToEnd()
            let chunk = 1 << 18  // floats: 1 MB of bytes at a time
            var bytes = Data(capacity: 4 * chunk)
            try matrix.values.withUnsafeBufferPointer { values in
                var start = 0
                while start < values.count {
                    let end = min(values.count, start + chunk)
                    bytes.removeAll(keepingCapacity: true)
                    LittleEndian.appendFloats(UnsafeBufferPointer(rebasing: values[start..<end]), to: &bytes)
                    try handle.write(contentsOf: bytes)
                    start = end
                }
            }
            try handle.close()
        } catch {
            try? handle.close()
            throw fail(error.localizedDescription)
        }
        guard rename(temp, path) == 0 else { throw fail(String(cString: strerror(errno))) }
    }

    /// Reads a `.npy` file holding a 1-D or 2-D float32/float64 array; 1-D arrays become one row.
    public static func read(_ path: String) throws -> FeatureMatrix {
        guard let data = StandardStreams.contents(of: path) else {
            throw NpyError.io(path: path, reason: FileManager.default.fileExists(atPath: path)
                ? "cannot read the file" : "no such file")
        }
        return try decode(data, path: path)
    }

    /// Decodes `.npy` bytes; `path` only names the source in errors.
    public static func decode(_ data: Data, path: String = "<memory>") throws -> FeatureMatrix {
        let bytes = [UInt8](data)
        guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1..<6]) == Array("NUMPY".utf8) else {
            throw NpyError.malformed(path: path, reason: "missing the \\x93NUMPY magic")
        }
        let major = bytes[6]
        var headerStart = 10
        var headerLength: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        case 2, 3:
            guard bytes.count >= 12 else { throw NpyError.malformed(path: path, reason: "truncated header") }
            headerLength = (0..<4).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
            headerStart = 12
        default:
            throw NpyError.malformed(path: path, reason: "unknown format version \(major)")
        }
        guard headerStart + headerLength <= bytes.count,
              let header = String(bytes: bytes[headerStart..<(headerStart + headerLength)], encoding: .utf8) else {
            throw NpyError.malformed(path: path, reason: "truncated or non-text header")
        }
        let descr = try field("descr", in: header, path: path)
        let fortran = try field("fortran_order", in: header, path: path)
        let shapeText = try field("shape", in: header, path: path)
        let width: Int
        switch descr.trimmingCharacters(in: CharacterSet(charactersIn: "'\" ")) {
        case "<f4", "|f4", "f4": width = 4
        case "<f8", "f8": width = 8
        default: throw NpyError.malformed(path: path, reason: "dtype \(descr) is not float32 or float64")
        }
        guard fortran.hasPrefix("False") else {
            throw NpyError.malformed(path: path, reason: "Fortran-ordered arrays are not supported; save with np.ascontiguousarray")
        }
        let dims = shapeText.trimmingCharacters(in: CharacterSet(charactersIn: "() "))
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let shape = try dims.map { text -> Int in
            guard let n = Int(text), n >= 0 else { throw NpyError.malformed(path: path, reason: "bad shape \(shapeText)") }
            return n
        }
        guard shape.count == 1 || shape.count == 2 else {
            throw NpyError.malformed(path: path, reason: "expected a 1-D or 2-D array, found shape \(shapeText)")
        }
        let rows = shape.count == 2 ? shape[0] : 1
        let columns = shape.count == 2 ? shape[1] : shape[0]
        let (count, overflow) = rows.multipliedReportingOverflow(by: columns)
        let dataStart = headerStart + headerLength
        guard !overflow, count <= (bytes.count - dataStart) / width, bytes.count - dataStart == count * width else {
            throw NpyError.malformed(path: path, reason: "data size \(bytes.count - dataStart) bytes does not match shape \(shapeText)")
        }
        var values = [Float](repeating: 0, count: count)
        bytes.withUnsafeBytes { raw in
            values.withUnsafeMutableBufferPointer { LittleEndian.decodeFloats(raw, offset: dataStart, width: width, into: $0) }
        }
        return FeatureMatrix(rows: rows, columns: columns, values: values)
    }

    /// Extracts the text of `key`'s value from the header dict.
    private static func field(_ key: String, in header: String, path: String) throws -> String {
        guard let range = header.range(of: "'\(key)':") else {
            throw NpyError.malformed(path: path, reason: "header has no '\(key)'")
        }
        var rest = header[range.upperBound...].drop { $0 == " " }
        if rest.first == "(" {
            guard let close = rest.firstIndex(of: ")") else { throw NpyError.malformed(path: path, reason: "unclosed shape") }
            return String(rest[...close])
        }
        if let end = rest.firstIndex(of: ",") { rest = rest[..<end] }
        return String(rest)
    }
}
