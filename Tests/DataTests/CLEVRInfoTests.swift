import Foundation
import FusionKitData
import Testing

@Suite("CLEVR info: family names and kinds")
struct CLEVRInfoTests {
    private func file(_ text: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("clevr-info-\(UUID().uuidString).json")
        try Data(text.utf8).write(to: url)
        return url
    }

    @Test("names and relational families are read from an info object that comes first, strings with braces included")
    func reads() throws {
        let url = try file(#" { "info" : {"note": "a } and a { in a string \" quoted", "question_families": ["shape", "closest"], "#
                           + #""relational_families": [1]}, "questions": [{"question": "x"}]}"#)
        defer { try? FileManager.default.removeItem(at: url) }
        let info = try #require(CLEVRInfo.read(from: url))
        #expect(info.familyNames == ["shape", "closest"] && info.relationalFamilies == [1])
        #expect(info.typeName(family: 0) == "shape" && info.typeName(family: 7) == "family 7")
        #expect(info.relationalTypeNames == ["closest"])
    }

    @Test("no info, info after the questions, info without families, or a cut-off info give nil",
          arguments: [#"{"questions": []}"#, #"{"questions": [], "info": {"question_families": ["a"]}}"#,
                      #"{"info": {"version": "1.0"}, "questions": []}"#, #"{"info": {"question_families": ["a""#, "[1, 2]", ""])
    func absent(text: String) throws {
        let url = try file(text)
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(CLEVRInfo.read(from: url) == nil)
    }

    @Test("the CLEVR fixture (CLEVR's own info, no families) keeps numbered families and marks none relational")
    func clevrFixture() throws {
        let root = fixturesFolder.appendingPathComponent("datasets").appendingPathComponent("clevr")
        let split = try CLEVRLayout.read(root: root, split: "train")
        #expect(split.questions[0].type == "family 3" && split.relationalTypes.isEmpty)
    }
}
