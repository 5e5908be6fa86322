import CPNG
import Foundation

/// Errors reading images; each names the file and what to do.
public enum ImageReadError: Error, CustomStringConvertible, Equatable {
    /// The path does not exist.
    case fileNotFound(path: String)
    /// The file does not start with the PNG signature.
    case notPNG(path: String)
    /// The declared size exceeds the pixel budget (a "PNG bomb" or an unexpectedly huge scan).
    case tooLarge(path: String, width: Int, height: Int, budget: Int)
    /// libpng rejected the file: a corrupt chunk, a CRC error, truncated data.
    case corrupt(path: String, reason: String)

    public var description: String {
        switch self {
        case let .fileNotFound(path):
            return "\(path): no such file. Check the path; Scribe reads PNG scans."
        case let .notPNG(path):
            return "\(path): not a PNG file (the PNG signature is missing). Convert the scan to PNG, for example with `convert scan.jpg scan.png`."
        case let .tooLarge(path, width, height, budget):
            return "\(path): declares \(width) × \(height) pixels, over the limit of \(budget) pixels. Scale the scan down, or raise the limit (--max-pixels) if the file is trusted."
        case let .corrupt(path, reason):
            return "\(path): the PNG is corrupt or truncated (\(reason)). Re-export the scan."
        }
    }
}

/// Reads PNG files of every colour type (gray, gray+alpha, RGB, RGBA, palette), bit depths
/// 1 to 16, interlaced or not, through libpng's simplified API: gamma is converted to
/// sRGB and alpha is composited on white.
///
/// The header is read first, and the image is refused before any pixel buffer is allocated
/// when its declared size exceeds `maxPixels`.
public struct PNGReader: Sendable {
    /// The largest number of pixels accepted (default 100 million, a 600 dpi A3 page).
    public var maxPixels: Int

    public init(maxPixels: Int = 100_000_000) { self.maxPixels = maxPixels }

    /// Reads `path` as 8-bit gray (or RGB when `rgb` is set).
    public func read(_ path: String, rgb: Bool = false) throws -> Image8 {
        guard let data = FileManager.default.contents(atPath: path) else {
            if FileManager.default.fileExists(atPath: path) {
                throw ImageReadError.corrupt(path: path, reason: "the file cannot be read")
            }
            throw ImageReadError.fileNotFound(path: path)
        }
        return try decode(data, path: path, rgb: rgb)
    }

    /// Decodes PNG bytes; `path` only names the source in errors.
    public func decode(_ data: Data, path: String = "<memory>", rgb: Bool = false) throws -> Image8 {
        let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        guard data.count >= 8, Array(data.prefix(8)) == signature else { throw ImageReadError.notPNG(path: path) }
        try Self.checkChunkLengths(data, path: path)
        return try data.withUnsafeBytes { raw -> Image8 in
            var png = png_image()
            png.version = UInt32(PNG_IMAGE_VERSION)
            guard png_image_begin_read_from_memory(&png, raw.baseAddress, raw.count) != 0 else {
                throw ImageReadError.corrupt(path: path, reason: Self.message(png))
            }
            defer { png_image_free(&png) }
            let width = Int(png.width), height = Int(png.height)
            let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
            guard !overflow, pixels <= maxPixels, width > 0, height > 0 else {
                throw ImageReadError.tooLarge(path: path, width: width, height: height, budget: maxPixels)
            }
            // 16-bit scans without gAMA/sRGB chunks are sRGB-encoded like 8-bit ones, not linear.
            png.flags |= UInt32(PNG_IMAGE_FLAG_16BIT_sRGB)
            var image = Image8(width: width, height: height, channels: rgb ? 3 : 1)
            if png.format & UInt32(PNG_FORMAT_FLAG_LINEAR) != 0 {
                try Self.finishSixteenBit(&png, into: &image, path: path)
            } else {
                png.format = rgb ? UInt32(PNG_FORMAT_RGB) : UInt32(PNG_FORMAT_GRAY)
                var white = png_color(red: 255, green: 255, blue: 255)
                let ok = image.pixels.withUnsafeMutableBytes { buf in
                    png_image_finish_read(&png, &white, buf.baseAddress, 0, nil)
                }
                guard ok != 0 else { throw ImageReadError.corrupt(path: path, reason: Self.message(png)) }
            }
            return image
        }
    }

    /// Refuses a chunk that declares more bytes than the file holds. libpng allocates a text
    /// chunk's declared length before reading it (a 60-byte file declaring a 1.7 GB iTXt
    /// chunk made it ask for 1.7 GB; found by `scripts/fuzz png`); the whole file is in
    /// memory here, so a length past its end can only be corruption.
    static func checkChunkLengths(_ data: Data, path: String) throws {
        let bytes = [UInt8](data)
        var offset = 8
        while offset + 8 <= bytes.count {
            let length = bytes[offset..<(offset + 4)].reduce(0) { $0 << 8 | Int($1) }
            let type = String(decoding: bytes[(offset + 4)..<(offset + 8)], as: UTF8.self)
            let left = bytes.count - offset - 12
            guard length <= left else {
                throw ImageReadError.corrupt(path: path, reason: "chunk \"\(type)\" declares \(length) bytes but the file holds \(max(0, left)) after it")
            }
            if type == "IEND" { return }
            offset += 12 + length
        }
    }

    /// 16-bit files are read as linear light with alpha and converted here: libpng 1.6.39's
    /// direct 16-to-8-bit path scrambles Adam7-interlaced 16-bit images, its linear path does not.
    private static func finishSixteenBit(_ png: inout png_image, into image: inout Image8, path: String) throws {
        let channels = image.channels
        png.format = UInt32(PNG_FORMAT_FLAG_LINEAR | PNG_FORMAT_FLAG_ALPHA) | (channels == 3 ? UInt32(PNG_FORMAT_FLAG_COLOR) : 0)
        var linear = [UInt16](repeating: 0, count: image.width * image.height * (channels + 1))
        let ok = linear.withUnsafeMutableBytes { png_image_finish_read(&png, nil, $0.baseAddress, 0, nil) }
        guard ok != 0 else { throw ImageReadError.corrupt(path: path, reason: message(png)) }
        let encode = sRGBTable
        for p in 0..<(image.width * image.height) {
            let base = p * (channels + 1)
            let alpha = Int(linear[base + channels])
            for c in 0..<channels {
                // Colour is premultiplied by alpha: composite on white in linear light.
                let v = min(65_535, Int(linear[base + c]) + 65_535 - alpha)
                image.pixels[p * channels + c] = encode[v]
            }
        }
    }

    /// Linear 16-bit value to 8-bit sRGB, with the pure 2.2 power libpng uses for sRGB when it
    /// linearizes (PNG_GAMMA_sRGB), so decoding and encoding cancel.
    private static let sRGBTable: [UInt8] = (0...65_535).map { i in
        UInt8((pow(Double(i) / 65_535, 1 / 2.2) * 255).rounded())
    }

    private static func message(_ png: png_image) -> String {
        let text = withUnsafeBytes(of: png.message) { raw in String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self) }
        return text.isEmpty ? "libpng reported an error" : text
    }
}
