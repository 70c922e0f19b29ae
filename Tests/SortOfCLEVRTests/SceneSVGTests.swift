import Foundation
import Testing
@testable import SortOfCLEVR

private func occurrences(of needle: String, in text: String) -> Int {
    text.components(separatedBy: needle).count - 1
}

@Suite("SVG pictures of scenes")
struct SceneSVGTests {
    let dataset = SortOfCLEVRDataset.generate(seed: 6, imageCount: 2)

    @Test func documentHasSixShapesAndTwentyQuestions() {
        let scene = dataset.scenes[1]
        let svg = SceneSVG.document(scene: scene, questions: Array(dataset.questions(aboutImage: 1)))
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\"") && svg.hasSuffix("</svg>\n"))
        #expect(occurrences(of: "class=\"object\"", in: svg) == 6)
        #expect(occurrences(of: "<rect class=\"object\"", in: svg) == scene.objects.filter { $0.shape == .square }.count)
        #expect(occurrences(of: "class=\"question\"", in: svg) == 20)
        for question in dataset.questions(aboutImage: 1) { #expect(svg.contains(question.text)) }
        #expect(svg.contains("rgb(255,156,0)") && svg.contains("Relational"))
        let object = scene[.red]
        let expected = object.shape == .circle ? "cx=\"\(20 + 4 * object.x)\" cy=\"\(20 + 4 * object.y)\" r=\"20\""
                                               : "x=\"\(4 * object.x)\" y=\"\(4 * object.y)\" width=\"40\""
        #expect(svg.contains(expected))
    }

    @Test("the text column is as wide as its longest line, so long answers are not cut off")
    func textColumnFitsTheLongestLine() throws {
        let data = SortOfCLEVRDataset.generate(seed: 1, imageCount: 40)
        // The image whose longest question-and-answer line is the longest of all.
        func longestLine(_ image: Int) -> Int {
            data.questions(aboutImage: image).enumerated().map { "\($0.offset + 1). \($0.element.text) \($0.element.answer.text)".count }.max()!
        }
        let image = (0..<40).max { longestLine($0) < longestLine($1) }!
        let svg = SceneSVG.document(scene: data.scenes[image], questions: Array(data.questions(aboutImage: image)))
        let width = try #require(svg.firstMatch(of: /width="(\d+)"/).flatMap { Int($0.1) })
        let textX = 40 + 4 * Scene.imageSize
        // 7 units per character is the average width of a 12-unit sans-serif line of this text.
        #expect(width >= textX + longestLine(image) * 7 + 20, "width \(width) for \(longestLine(image)) characters")
        // The column shrinks to fit short text too.
        let short = SceneSVG.document(scene: data.scenes[0], questions: Array(data.questions(aboutImage: 0).prefix(1)))
        let shortWidth = try #require(short.firstMatch(of: /width="(\d+)"/).flatMap { Int($0.1) })
        #expect(shortWidth < width)
        // Captions under an attention overlay widen the picture the same way.
        let caption = [String](repeating: "x", count: 1) + [String(repeating: "w", count: 90)]
        let overlay = SceneSVG.attentionOverlay(scene: data.scenes[0], weights: [1], rows: 1, columns: 1, caption: caption)
        let overlayWidth = try #require(overlay.firstMatch(of: /width="(\d+)"/).flatMap { Int($0.1) })
        #expect(overlayWidth >= 20 + 90 * 7 + 20)
    }

    @Test func textIsEscaped() {
        #expect(SceneSVG.escape("a < b & \"c\" > 'd'") == "a &lt; b &amp; &quot;c&quot; &gt; &apos;d&apos;")
        let svg = SceneSVG.attentionOverlay(scene: dataset.scenes[0], weights: [1], rows: 1, columns: 1,
                                            caption: ["Q: <script>", "A: square & more"])
        #expect(svg.contains("Q: &lt;script&gt;") && svg.contains("square &amp; more") && !svg.contains("<script>"))
    }

    @Test func attentionCellsScaleWithTheirWeights() {
        var weights = [Float](repeating: 0, count: 100)
        weights[0] = 0.5
        weights[55] = 0.25
        weights[99] = .nan
        weights[12] = -1
        let svg = SceneSVG.attentionOverlay(scene: dataset.scenes[0], weights: weights, rows: 10, columns: 10)
        #expect(occurrences(of: "class=\"attention\"", in: svg) == 2)
        #expect(svg.contains("x=\"20\" y=\"20\" width=\"30\" height=\"30\" fill=\"rgb(255,0,0)\" fill-opacity=\"0.7\""))
        #expect(svg.contains("x=\"170\" y=\"170\" width=\"30\" height=\"30\" fill=\"rgb(255,0,0)\" fill-opacity=\"0.35\""))
        #expect(occurrences(of: "class=\"object\"", in: svg) == 6)
        let uniform = SceneSVG.attentionOverlay(scene: dataset.scenes[0], weights: .init(repeating: 0, count: 361),
                                                rows: 19, columns: 19)
        #expect(occurrences(of: "class=\"attention\"", in: uniform) == 0)
    }

    @Test func writeIsAtomicAndReportsErrors() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("svg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("scene.svg")
        let svg = SceneSVG.document(scene: dataset.scenes[0], questions: Array(dataset.questions(aboutImage: 0)))
        try SceneSVG.write(svg, to: url)
        #expect(try String(contentsOf: url, encoding: .utf8) == svg)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["scene.svg"])
        let missing = directory.appendingPathComponent("absent/scene.svg")
        let error = #expect(throws: SortOfCLEVRFileError.self) { try SceneSVG.write(svg, to: missing) }
        guard case .ioError(let path, _)? = error else {
            Issue.record("\(String(describing: error))")
            return
        }
        #expect(path == missing.path)
    }
}
