import CPNG
import Foundation
import ScribeCore
import ScribeImage
import XCTest

final class ImageTests: XCTestCase {
    /// Reads a PNG back with libpng's simplified API as 8-bit RGB.
    func readRGB(_ path: String) throws -> (width: Int, height: Int, pixels: [UInt8]) {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        // A file PNGWriter wrote that libpng cannot read is a broken writer: fail, never skip.
        guard png_image_begin_read_from_file(&image, path) != 0 else {
            struct Unreadable: Error, CustomStringConvertible { let description: String }
            throw Unreadable(description: "libpng could not read \(path), written by PNGWriter")
        }
        image.format = UInt32(PNG_FORMAT_RGB)
        var pixels = [UInt8](repeating: 0, count: Int(image.width * image.height * 3))
        XCTAssertNotEqual(png_image_finish_read(&image, nil, &pixels, 0, nil), 0)
        return (Int(image.width), Int(image.height), pixels)
    }

    func testPNGRoundTripsGrayAndRGB() throws {
        let dir = FileManager.default.temporaryDirectory.path
        var rgb = Image8(width: 5, height: 3, channels: 3, fill: 10)
        rgb.set(x: 4, y: 2, RGB(200, 100, 50))
        try PNGWriter.write(rgb, to: dir + "/rgb.png")
        let back = try readRGB(dir + "/rgb.png")
        XCTAssertEqual(back.width, 5); XCTAssertEqual(back.height, 3)
        XCTAssertEqual(back.pixels, rgb.pixels)
        var gray = Image8(width: 2, height: 2, channels: 1, fill: 0)
        gray.set(x: 1, y: 0, .white)
        try PNGWriter.write(gray, to: dir + "/gray.png")
        XCTAssertEqual(try readRGB(dir + "/gray.png").pixels, [0, 0, 0, 255, 255, 255, 0, 0, 0, 0, 0, 0])
    }

    func testUnwritablePathIsNamed() {
        XCTAssertThrowsError(try PNGWriter.write(Image8(width: 1, height: 1, channels: 1), to: "/no/such/dir/x.png")) {
            XCTAssertTrue("\($0)".contains("/no/such/dir/x.png"))
        }
    }

    func testColormapEndsAndMonotoneLightness() {
        XCTAssertEqual(Colormap.viridis.color(0), RGB(68, 1, 84))
        XCTAssertEqual(Colormap.viridis.color(1), RGB(253, 231, 37))
        XCTAssertEqual(Colormap.magma.color(-5), Colormap.magma.color(0))
        // Perceptual maps get lighter from end to end (approximate luma).
        for map in [Colormap.magma, .viridis] {
            let luma = map.table.map { 0.299 * Double($0.r) + 0.587 * Double($0.g) + 0.114 * Double($0.b) }
            XCTAssertGreaterThan(luma.last!, luma.first! + 150)
        }
    }

    func testHeatmapPutsLowBinsAtTheBottomAndTimeLeftToRight() {
        // 4 frames × 2 bins: only bin 0 of the last frame is loud.
        var m = FeatureMatrix(rows: 4, columns: 2, repeating: -100)
        m[3, 0] = 0
        var plot = Heatmap()
        plot.colormap = .gray
        plot.targetWidth = 4
        plot.targetHeight = 2
        let image = plot.render(m)
        // Plot area starts at x = 44, y = 8 (margins) and is 4 × 2 pixels.
        XCTAssertEqual(image.get(x: 44 + 3, y: 8 + 1), .white, "loud bin 0 of the last frame: bottom right")
        XCTAssertEqual(image.get(x: 44 + 3, y: 8), .black, "quiet bin 1: top right")
        XCTAssertEqual(image.get(x: 44, y: 8 + 1), .black, "first frame: quiet")
    }
}
