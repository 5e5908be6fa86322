import CPNG
import Foundation

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
    /// Writes `image` to `path`, atomically (a temporary file in the same folder, then a rename).
    public static func write(_ image: Image8, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDir), isDir.boolValue else {
            throw ImageError.cannotWrite(path: path, reason: "folder \(folder) does not exist")
        }
        let temp = folder + "/.\(url.lastPathComponent).\(getpid()).tmp"
        var png = png_image()
        png.version = UInt32(PNG_IMAGE_VERSION)
        png.width = UInt32(image.width)
        png.height = UInt32(image.height)
        png.format = image.channels == 1 ? UInt32(PNG_FORMAT_GRAY) : UInt32(PNG_FORMAT_RGB)
        let ok = image.pixels.withUnsafeBytes { buf in
            png_image_write_to_file(&png, temp, 0, buf.baseAddress, 0, nil)
        }
        guard ok != 0 else {
            let message = withUnsafeBytes(of: png.message) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            png_image_free(&png)
            unlink(temp)
            throw ImageError.cannotWrite(path: path, reason: message.isEmpty ? "libpng failed" : message)
        }
        guard rename(temp, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temp)
            throw ImageError.cannotWrite(path: path, reason: reason)
        }
    }
}
