import FusionKit
import Testing
@testable import SortOfCLEVR

@Suite("Scenes follow the rules and render exactly")
struct SceneTests {
    let dataset = SortOfCLEVRDataset.generate(seed: 2, imageCount: 200)

    @Test func sixObjectsOnePerColourFarApart() {
        for scene in dataset.scenes {
            #expect(scene.objects.map(\.color) == ObjectColor.allCases)
            for object in scene.objects {
                #expect((5 ... 70).contains(object.x) && (5 ... 70).contains(object.y))
            }
            for (i, a) in scene.objects.enumerated() {
                for b in scene.objects[(i + 1)...] {
                    #expect((a.x - b.x) * (a.x - b.x) + (a.y - b.y) * (a.y - b.y) >= 100)
                }
            }
        }
    }

    @Test func centresAreSpreadAndShapesMixed() {
        let objects = dataset.scenes.flatMap(\.objects)
        #expect(Set(objects.map(\.x)).count == 66 && Set(objects.map(\.y)).count == 66)
        let squares = objects.filter { $0.shape == .square }.count
        #expect(abs(squares - objects.count / 2) < 80)
    }

    @Test func pixelsAtCentresHaveTheObjectsColourAndCornersAreWhite() {
        for index in 0 ..< dataset.imageCount {
            let image = Array(dataset.image(at: index))
            func pixel(_ x: Int, _ y: Int) -> [UInt8] { Array(image[(y * 75 + x) * 3 ..< (y * 75 + x) * 3 + 3]) }
            for object in dataset.scenes[index].objects {
                let (r, g, b) = object.color.rgb
                #expect(pixel(object.x, object.y) == [r, g, b])
            }
            // A corner is white unless a square reaches it (a circle never does).
            for (x, y) in [(0, 0), (74, 0), (0, 74), (74, 74)] {
                let covering = dataset.scenes[index].objects.last {
                    $0.shape == .square && abs(2 * (x - $0.x) + 1) < 10 && abs(2 * (y - $0.y) + 1) < 10
                }
                let (r, g, b) = covering?.color.rgb ?? (255, 255, 255)
                #expect(pixel(x, y) == [r, g, b])
            }
            #expect(image == dataset.scenes[index].render())
        }
    }

    @Test func shapesCoverTheDocumentedPixels() throws {
        // Deliberate pattern (same shape as Tests/SortOfCLEVRTests/AnswerTests.swift:tiesBetweenShapesHaveNoAnswer): a scene placed by hand, object by object, for the pixels it checks.
        let scene = try Scene(objects: [
            SceneObject(color: .red, shape: .square, x: 5, y: 5),
            SceneObject(color: .green, shape: .circle, x: 70, y: 70),
            SceneObject(color: .blue, shape: .square, x: 40, y: 20),
            SceneObject(color: .orange, shape: .circle, x: 20, y: 40),
            SceneObject(color: .gray, shape: .square, x: 40, y: 40),
            SceneObject(color: .yellow, shape: .circle, x: 60, y: 20),
        ])
        let image = scene.render()
        func isWhite(_ x: Int, _ y: Int) -> Bool { image[(y * 75 + x) * 3 ..< (y * 75 + x) * 3 + 3].allSatisfy { $0 == 255 } }
        func painted(near object: SceneObject) -> Int {
            var count = 0
            for y in object.y - 8 ... object.y + 8 where (0 ..< 75).contains(y) {
                for x in object.x - 8 ... object.x + 8 where (0 ..< 75).contains(x) && !isWhite(x, y) { count += 1 }
            }
            return count
        }
        #expect(painted(near: scene[.red]) == 100)          // the square fills columns and rows 0...9
        #expect(!isWhite(0, 0) && !isWhite(9, 9) && isWhite(10, 9) && isWhite(9, 10))
        // A circle of radius 5 about a pixel corner: 80 pixel centres lie within it, symmetric.
        #expect(painted(near: scene[.green]) == 80)
        #expect(!isWhite(74, 70) && !isWhite(65, 69) && isWhite(65, 65) && isWhite(74, 74))
        #expect(image.count == Scene.imageByteCount)
    }

    @Test func invalidScenesAreRejected() {
        let valid = dataset.scenes[0].objects
        #expect(throws: SceneError.wrongColors(Array(valid.dropLast()).map(\.color))) {
            try Scene(objects: Array(valid.dropLast()))
        }
        var outside = valid
        outside[2].x = 71
        #expect(throws: SceneError.centerOutOfRange(.blue, x: 71, y: outside[2].y)) { try Scene(objects: outside) }
        var close = valid
        close[4].x = close[1].x + (close[1].x < 40 ? 6 : -6)
        close[4].y = close[1].y + (close[1].y < 40 ? 7 : -7)
        let error = #expect(throws: SceneError.self) { try Scene(objects: close) }
        #expect(error?.description.contains("closer than 10 pixels") == true)
    }
}
