import Foundation

/// Pictures of scenes as SVG text: a scene with its questions and answers, and a scene under a
/// grid of attention weights.
///
/// Scenes are drawn as vector shapes, ``scale`` times the size of the 75 × 75 image, with the
/// geometry of ``Scene/render(into:)`` (a circle of radius 5 about the centre, a 10 × 10 square).
///
/// ```swift
/// let svg = SceneSVG.document(scene: dataset.scenes[0], questions: Array(dataset.questions(aboutImage: 0)))
/// try SceneSVG.write(svg, to: URL(fileURLWithPath: "scene.svg"))
/// ```
public enum SceneSVG {
    /// How many SVG units one image pixel takes.
    public static let scale = 4
    /// The largest opacity of an attention cell, so the scene stays visible under the heaviest cell.
    public static let maximumAttentionOpacity = 0.7

    private static let margin = 20
    private static let side = Scene.imageSize * scale
    private static let lineHeight = 16

    /// The scene with `questions` and their answers listed beside it, non-relational ones first
    /// (each under a heading when there are any).
    public static func document(scene: Scene, questions: [Question]) -> String {
        let groups: [(String, [(Int, Question)])] = [
            ("Non-relational", questions.enumerated().filter { $0.element.kind == .nonRelational }),
            ("Relational", questions.enumerated().filter { $0.element.kind == .relational }),
        ].filter { !$0.1.isEmpty }
        let textX = margin * 2 + side
        let lineCount = questions.count + groups.count
        let height = max(side + 2 * margin, margin + lineCount * lineHeight + margin)
        let lines = groups.map(\.0) + questions.enumerated().map { "\($0.offset + 1). \($0.element.text) \($0.element.answer.text)" }
        var svg = header(width: textX + textColumnWidth(lines), height: height)
        svg += drawing(of: scene)
        var y = margin + 12
        for (title, items) in groups {
            svg += "<text x=\"\(textX)\" y=\"\(y)\" font-weight=\"bold\">\(escape(title))</text>\n"
            y += lineHeight
            for (index, question) in items {
                svg += "<text class=\"question\" x=\"\(textX)\" y=\"\(y)\">\(index + 1). \(escape(question.text)) "
                    + "<tspan font-weight=\"bold\">\(escape(question.answer.text))</tspan></text>\n"
                y += lineHeight
            }
        }
        return svg + "</svg>\n"
    }

    /// The scene under a `rows × columns` grid of semi-transparent red cells covering the image,
    /// row by row from the top-left: each cell's opacity is its weight divided by the largest
    /// weight, times ``maximumAttentionOpacity``. Negative and non-finite weights draw nothing.
    /// The `caption` lines (a question and an answer, say) are written under the image.
    ///
    /// - Precondition: `rows > 0`, `columns > 0` and `weights.count == rows * columns`.
    public static func attentionOverlay(scene: Scene, weights: [Float], rows: Int, columns: Int,
                                        caption: [String] = []) -> String {
        precondition(rows > 0 && columns > 0 && weights.count == rows * columns,
                     "SceneSVG.attentionOverlay: \(weights.count) weights for a \(rows) × \(columns) grid")
        let usable = weights.map { $0.isFinite && $0 > 0 ? Double($0) : 0 }
        let largest = usable.max() ?? 0
        var svg = header(width: margin + max(side + margin, textColumnWidth(caption)),
                         height: side + 2 * margin + caption.count * lineHeight)
        svg += drawing(of: scene)
        let cellWidth = Double(side) / Double(columns), cellHeight = Double(side) / Double(rows)
        for row in 0 ..< rows {
            for column in 0 ..< columns where largest > 0 && usable[row * columns + column] > 0 {
                let opacity = maximumAttentionOpacity * usable[row * columns + column] / largest
                svg += "<rect class=\"attention\" x=\"\(number(Double(margin) + Double(column) * cellWidth))\" "
                    + "y=\"\(number(Double(margin) + Double(row) * cellHeight))\" width=\"\(number(cellWidth))\" "
                    + "height=\"\(number(cellHeight))\" fill=\"rgb(255,0,0)\" fill-opacity=\"\(number(opacity))\"/>\n"
            }
        }
        for (index, line) in caption.enumerated() {
            svg += "<text x=\"\(margin)\" y=\"\(margin + side + (index + 1) * lineHeight)\">\(escape(line))</text>\n"
        }
        return svg + "</svg>\n"
    }

    /// Writes `svg` to `url` as UTF-8, atomically (through a temporary file renamed over `url`).
    ///
    /// - Throws: ``SortOfCLEVRFileError/ioError(path:reason:)``.
    public static func write(_ svg: String, to url: URL) throws(SortOfCLEVRFileError) {
        do {
            try Data(svg.utf8).write(to: url, options: .atomic)
        } catch {
            throw .ioError(path: url.path, reason: (error as NSError).localizedDescription)
        }
    }

    /// `text` with the characters XML gives a meaning escaped.
    // Deliberate pattern (same shape as Sources/FusionKit/IO/SafeTensorsWriter.swift:jsonString): XML escapes, not JSON's; the two share only the loop.
    static func escape(_ text: String) -> String {
        var result = ""
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&apos;"
            default: result.append(character)
            }
        }
        return result
    }

    /// The widest SVG units any of `lines` can take at the 12-unit sans-serif font, plus the right
    /// margin. Without the font's metrics, each character is counted at 0.62 em (7.44 units),
    /// wider than the average letter of common sans-serif fonts (bold included), so no line is cut
    /// off at the right edge.
    static func textColumnWidth(_ lines: [String]) -> Int {
        let characters = lines.map(\.count).max() ?? 0
        return Int((Double(characters) * 7.44).rounded(.up)) + margin
    }

    private static func header(width: Int, height: Int) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" "
            + "viewBox=\"0 0 \(width) \(height)\" font-family=\"sans-serif\" font-size=\"12\">\n"
            + "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
    }

    /// The scene's objects on a white square with a thin border, at (margin, margin).
    private static func drawing(of scene: Scene) -> String {
        var svg = "<rect x=\"\(margin)\" y=\"\(margin)\" width=\"\(side)\" height=\"\(side)\" "
            + "fill=\"white\" stroke=\"#666\" stroke-width=\"1\"/>\n"
        let half = Scene.objectHalfSize * scale
        for object in scene.objects {
            let (red, green, blue) = object.color.rgb
            let fill = "rgb(\(red),\(green),\(blue))"
            let x = margin + object.x * scale, y = margin + object.y * scale
            switch object.shape {
            case .square:
                svg += "<rect class=\"object\" x=\"\(x - half)\" y=\"\(y - half)\" width=\"\(2 * half)\" "
                    + "height=\"\(2 * half)\" fill=\"\(fill)\"><title>\(object.color.name) square</title></rect>\n"
            case .circle:
                svg += "<circle class=\"object\" cx=\"\(x)\" cy=\"\(y)\" r=\"\(half)\" "
                    + "fill=\"\(fill)\"><title>\(object.color.name) circle</title></circle>\n"
            }
        }
        return svg
    }

    /// A coordinate with at most three decimals.
    private static func number(_ value: Double) -> String {
        let rounded = (value * 1000).rounded() / 1000
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}
