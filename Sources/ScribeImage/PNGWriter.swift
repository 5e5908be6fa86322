import CPNG
import Foundation
import ScribeCore

/// Errors writing images.
public enum ImageError: Error, CustomStringConvertible, Equatable {
    /// The PNG could not be written.
    case cannotWrite(path: String, reason: String)

    public var description: String {
        switch self {
        case let .cannotWrite(path, reason):
            return "\(path): cannot write the PNG (\(reason)). Check that the folder exists and is writable."
        }
    }
}

/// Writes 8-bit gray and RGB PNG files with libpng's simplified API.
public enum PNGWriter {
    /// Writes `image` to `path` atomically (a temporary file in the same folder, flushed,
    /// then renamed), or to standard output for `-`.
    public static func write(_ image: Image8, to path: String) throws {
        let bytes = try encode(image, path: path)
        do { try AtomicFile.write(bytes, to: path) } catch let error as AtomicWriteError {
            throw ImageError.cannotWrite(path: path, reason: error.reason)
        }
    }

    /// The PNG bytes of `image`; `path` names the destination in errors.
    public static func encode(_ image: Image8, path: String = "<memory>") throws -> Data {
        var png = png_image()
        png.version = UInt32(PNG_IMAGE_VERSION)
        png.width = UInt32(image.width)
        png.height = UInt32(image.height)
        png.format = image.channels == 1 ? UInt32(PNG_FORMAT_GRAY) : UInt32(PNG_FORMAT_RGB)
        defer { png_image_free(&png) }
        var size = 0
        let sized = image.pixels.withUnsafeBytes { png_image_write_to_memory(&png, nil, &size, 0, $0.baseAddress, 0, nil) }
        var data = Data(count: size)
        let ok = sized != 0 && data.withUnsafeMutableBytes { out in
            image.pixels.withUnsafeBytes { png_image_write_to_memory(&png, out.baseAddress, &size, 0, $0.baseAddress, 0, nil) }
        } != 0
        guard ok else {
            let message = withUnsafeBytes(of: png.message) { raw in String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self) }
            throw ImageError.cannotWrite(path: path, reason: message.isEmpty ? "libpng failed" : message)
        }
        return data.prefix(size)
    }
}
