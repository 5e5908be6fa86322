import Foundation
import ScribeCore

/// Errors reading or writing safetensors files.
public enum SafeTensorsError: Error, CustomStringConvertible, Equatable {
    /// The file could not be read or written.
    case io(path: String, reason: String)
    /// The bytes are not a valid safetensors file.
    case malformed(source: String, reason: String)
    /// The file is valid but its tensors do not fit what the caller expects.
    case mismatch(source: String, reason: String)

    public var description: String {
        switch self {
        case let .io(path, reason): return "\(path): \(reason)"
        case let .malformed(source, reason):
            return "\(source): not a valid safetensors file: \(reason). Expected an 8-byte little-endian header length, a JSON header with dtype, shape and data_offsets per tensor, then the raw data (as written by safetensors.torch.save_file)."
        case let .mismatch(source, reason):
            return "\(source): \(reason)"
        }
    }
}

/// A safetensors file: named little-endian tensors plus a `__metadata__` map of strings.
///
/// Layout (https://huggingface.co/docs/safetensors): u64 little-endian N, N bytes of JSON
/// `{"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ...,
/// "__metadata__": {...}}`, then the data section; offsets are relative to its start.
/// Decoding is strict: the header length must be in bounds, every tensor's byte range must
/// match its dtype and shape, lie inside the data section, and the ranges must tile the
/// section exactly (no overlap, no gaps, nothing after them).
public struct SafeTensors: Equatable {
    /// Tensors by name (F32 and F64 files are read; values are stored as Float32).
    public var tensors: [String: Tensor]
    /// The `__metadata__` map.
    public var metadata: [String: String]

    /// Largest accepted JSON header (the reference implementation's limit).
    public static let maxHeaderLength = 100_000_000

    public init(tensors: [String: Tensor] = [:], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    // MARK: Writing

    /// Encodes as F32 tensors in name order, header padded with spaces to 8 bytes.
    public func encode() -> Data {
        var header: [String: Any] = [:]
        var offset = 0
        let names = tensors.keys.sorted()
        for name in names {
            let t = tensors[name]!
            header[name] = ["dtype": "F32", "shape": t.shape, "data_offsets": [offset, offset + 4 * t.count]] as [String: Any]
            offset += 4 * t.count
        }
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        // The header holds only strings, integers, arrays and dictionaries of them, which
        // JSONSerialization always encodes.
        guard var json = try? JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]) else {
            preconditionFailure("SafeTensors.encode: the header could not be encoded as JSON")
        }
        while json.count % 8 != 0 { json.append(0x20) }
        var data = Data(capacity: 8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(json)
        for name in names {
            tensors[name]!.values.withUnsafeBufferPointer { LittleEndian.appendFloats($0, to: &data) }
        }
        return data
    }

    /// Writes the file atomically (temporary file, fsync, rename): a crash leaves the old
    /// file or the new one, never a torn one.
    public func write(to path: String) throws {
        do { try AtomicFile.write(encode(), to: path) } catch let error as AtomicWriteError {
            throw SafeTensorsError.io(path: path, reason: "cannot write (\(error.reason)); check that the folder exists and is writable")
        }
    }

    // MARK: Reading

    /// Reads and validates a file.
    public static func load(path: String) throws -> SafeTensors {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw SafeTensorsError.io(path: path, reason: "cannot read the model file (\(error.localizedDescription)); check the path")
        }
        return try decode(data, source: path)
    }

    /// Validates and decodes safetensors bytes; `source` names them in errors.
    public static func decode(_ data: Data, source: String = "safetensors data") throws -> SafeTensors {
        func fail(_ reason: String) -> SafeTensorsError { .malformed(source: source, reason: reason) }
        guard data.count >= 8 else { throw fail("the file has \(data.count) bytes, fewer than the 8-byte header length (truncated?)") }
        let n64 = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard n64 <= UInt64(maxHeaderLength) else { throw fail("header length \(n64) exceeds the limit of \(maxHeaderLength) bytes") }
        let n = Int(n64)
        guard n >= 2 else { throw fail("header length \(n) is too small for a JSON object") }
        guard 8 + n <= data.count else { throw fail("header length \(n) runs past the end of the \(data.count)-byte file (truncated?)") }
        let headerBytes = data.subdata(in: (data.startIndex + 8)..<(data.startIndex + 8 + n))
        guard headerBytes.first == UInt8(ascii: "{") else { throw fail("the header does not start with '{'") }
        guard let object = try? JSONSerialization.jsonObject(with: headerBytes), let header = object as? [String: Any] else {
            throw fail("the header is not a JSON object")
        }
        let dataStart = data.startIndex + 8 + n
        let dataSize = data.count - 8 - n

        var metadata: [String: String] = [:]
        if let m = header["__metadata__"] {
            guard let map = m as? [String: Any] else { throw fail("__metadata__ is not an object of strings") }
            for (k, v) in map {
                guard let s = v as? String else { throw fail("__metadata__ value for \"\(k)\" is not a string") }
                metadata[k] = s
            }
        }

        struct Entry { let name: String; let dtype: String; let shape: [Int]; let begin: Int; let end: Int }
        var entries: [Entry] = []
        for (name, value) in header where name != "__metadata__" {
            guard let info = value as? [String: Any] else { throw fail("entry \"\(name)\" is not an object") }
            let unknown = Set(info.keys).subtracting(["dtype", "shape", "data_offsets"])
            guard unknown.isEmpty else { throw fail("entry \"\(name)\" has unknown fields \(unknown.sorted())") }
            guard let dtype = info["dtype"] as? String else { throw fail("entry \"\(name)\" has no dtype string") }
            guard let shapeAny = info["shape"] as? [Any], let shape = integers(shapeAny), shape.allSatisfy({ $0 >= 0 }) else {
                throw fail("entry \"\(name)\" has no shape of non-negative integers")
            }
            guard let offAny = info["data_offsets"] as? [Any], let off = integers(offAny), off.count == 2 else {
                throw fail("entry \"\(name)\" has no data_offsets [begin, end]")
            }
            guard off[0] >= 0, off[0] <= off[1], off[1] <= dataSize else {
                throw fail("entry \"\(name)\" has data_offsets \(off) outside the \(dataSize)-byte data section (truncated?)")
            }
            let width: Int
            switch dtype {
            case "F32": width = 4
            case "F64": width = 8
            default: throw fail("entry \"\(name)\" has dtype \(dtype); Scribe reads F32 and F64 (convert with tensor.float())")
            }
            var count = 1
            for d in shape {
                let (p, overflow) = count.multipliedReportingOverflow(by: d)
                guard !overflow, p <= dataSize else { throw fail("entry \"\(name)\" has shape \(shape) larger than the file") }
                count = p
            }
            guard count * width == off[1] - off[0] else {
                throw fail("entry \"\(name)\": shape \(shape) of \(dtype) needs \(count * width) bytes but data_offsets \(off) span \(off[1] - off[0])")
            }
            entries.append(Entry(name: name, dtype: dtype, shape: shape, begin: off[0], end: off[1]))
        }
        entries.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
        var expected = 0
        for e in entries {
            if e.begin < expected { throw fail("entry \"\(e.name)\" overlaps the data of another tensor") }
            if e.begin > expected { throw fail("there are unused bytes before the data of \"\(e.name)\"") }
            expected = e.end
        }
        guard expected == dataSize else {
            throw fail("the tensors cover \(expected) bytes but the data section has \(dataSize) (extra bytes or missing tensors)")
        }

        var tensors: [String: Tensor] = [:]
        for e in entries {
            var t = Tensor(shape: e.shape)
            let bytes = data[(dataStart + e.begin)..<(dataStart + e.end)]
            bytes.withUnsafeBytes { raw in
                t.withUnsafeMutableValues { LittleEndian.decodeFloats(raw, width: e.dtype == "F32" ? 4 : 8, into: $0) }
            }
            tensors[e.name] = t
        }
        return SafeTensors(tensors: tensors, metadata: metadata)
    }

    /// Exact integers from JSON numbers (rejects fractions, booleans and non-numbers).
    private static func integers(_ values: [Any]) -> [Int]? {
        var out: [Int] = []
        for v in values {
            guard type(of: v) != Bool.self, let number = v as? NSNumber else { return nil }
            let d = number.doubleValue
            guard d.rounded() == d, abs(d) < 9.0e15 else { return nil }
            out.append(Int(d))
        }
        return out
    }
}
