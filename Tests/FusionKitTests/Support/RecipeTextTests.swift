import Foundation
import Testing

/// The recipes in Docs/ whose code a test or an example compiles: the code block under each
/// heading must stand in that file as it is (less its `import` lines), so the text a reader
/// copies is the code that was built and run.
@Suite("Recipes in the docs")
struct RecipeTextTests {
    static let recipes = [
        (doc: "Docs/Architecture.md", heading: "### Adding an operation", test: "Tests/FusionKitTests/Autograd/OperationRecipeTests.swift"),
        (doc: "Docs/Architecture.md", heading: "### Adding a layer", test: "Tests/FusionKitTests/NN/LayerRecipeTests.swift"),
        (doc: "Docs/Fusion.md", heading: "## Writing a strategy", test: "Tests/FusionKitTests/Fusion/FusionRecipeTests.swift"),
        (doc: "Docs/Architecture.md", heading: "### Recipe: your own data set (image–caption pairs for retrieval)",
         test: "Tests/DataTests/ImageTextPairsExampleTests.swift"),
        (doc: "Docs/GettingStarted.md", heading: "## Your own fusion model in twenty lines", test: "Examples/VQA/CustomModel/main.swift"),
    ]

    /// The lines of the first ```swift block after `heading`, without `import` lines and blank
    /// lines at either end.
    static func codeBlock(in text: String, after heading: String) -> [String]? {
        let lines = text.components(separatedBy: "\n")
        guard let start = lines.firstIndex(of: heading),
              let open = lines[start...].firstIndex(of: "```swift"),
              let close = lines[(open + 1)...].firstIndex(of: "```") else { return nil }
        var code = lines[(open + 1)..<close].filter { !$0.hasPrefix("import ") }
        while code.first?.isEmpty == true { code.removeFirst() }
        while code.last?.isEmpty == true { code.removeLast() }
        return code
    }

    @Test("each recipe's code stands in its test as written in the docs", arguments: recipes.map(\.heading))
    func codeMatches(heading: String) throws {
        let recipe = try #require(Self.recipes.first { $0.heading == heading })
        let doc = try String(contentsOf: TestPaths.package.appendingPathComponent(recipe.doc), encoding: .utf8)
        let test = try String(contentsOf: TestPaths.package.appendingPathComponent(recipe.test), encoding: .utf8)
        let code = try #require(Self.codeBlock(in: doc, after: recipe.heading), "\(recipe.doc): no code under \(heading)")
        #expect(code.count >= 8, "\(recipe.doc): the code under \(heading) is \(code.count) lines")
        #expect(test.contains(code.joined(separator: "\n")), "\(recipe.test) does not hold the code of \(recipe.doc), \(heading)")
    }
}
