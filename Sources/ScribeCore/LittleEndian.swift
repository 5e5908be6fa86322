import Foundation

/// Float arrays as little-endian bytes, the byte order of `.npy` (`<f4`, `<f8`) and
/// safetensors (`F32`, `F64`) files. One implementation for both readers and writers;
/// on little-endian machines (x86-64, arm64) the conversions are plain copies.
public enum LittleEndian {
    /// Decodes `destination.count` numbers of `width` bytes (4: float32, 8: float64, narrowed
    /// to Float) from `source` starting at `offset`; the caller has checked the length.
    public static func decodeFloats(_ source: UnsafeRawBufferPointer, offset: Int = 0, width: Int,
                                    into destination: UnsafeMutableBufferPointer<Float>) {
        precondition(width == 4 || width == 8, "LittleEndian: float width \(width)")
        precondition(offset >= 0 && offset + width * destination.count <= source.count, "LittleEndian: source too short")
        if width == 4 {
            for i in destination.indices {
                destination[i] = Float(bitPattern: UInt32(littleEndian: source.loadUnaligned(fromByteOffset: offset + 4 * i, as: UInt32.self)))
            }
        } else {
            for i in destination.indices {
                destination[i] = Float(Double(bitPattern: UInt64(littleEndian: source.loadUnaligned(fromByteOffset: offset + 8 * i, as: UInt64.self))))
            }
        }
    }

    /// Appends `values` as little-endian float32 bytes.
    public static func appendFloats(_ values: UnsafeBufferPointer<Float>, to data: inout Data) {
        #if _endian(little)
        data.append(contentsOf: UnsafeRawBufferPointer(values))
        #else
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        #endif
    }
}
