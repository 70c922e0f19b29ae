import Foundation
import Testing

@Suite("vqa hops: where pixel-attention's and word-attention's hops look on a harder folder")
struct HopsCommandTests {
    @Test("hops reports every family and head with hop 2's shares summing to 1; other models and changed images are refused")
    func hops() throws {
        let folder = try temporaryFolder("cli-hops")
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = folder.appendingPathComponent("data")
        let made = try runVQA(["generate", "--harder", "--format", "clevr", "--output", data.path, "--train-images", "3", "--test-images", "2"])
        #expect(made.status == 0, "\(made.output)")
        for model in ["pixel-attention", "spatial-attention", "word-attention"] {
            let trained = try runVQA(["train", "--model", model, "--data", data.path, "--epochs", "1", "--width", "8",
                                      "--output", folder.appendingPathComponent(model).path])
            #expect(trained.status == 0, "\(trained.output)")
        }
        let checkpoint = { (model: String) in folder.appendingPathComponent("\(model)/checkpoint.safetensors").path }
        for model in ["pixel-attention", "word-attention"] {
            let report = try runVQA(["hops", "--checkpoint", checkpoint(model), "--data", data.path])
            #expect(report.status == 0, "\(model): \(report.output)")
            let rows = report.output.split(separator: "\n").map { $0.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) } }
                .filter { $0.count == 9 && Int($0[1]) != nil }
            // 2 images × 20 questions cover several families; each family has one row per head (4).
            #expect(rows.count >= 8 && rows.count % 4 == 0, "\(model): \(report.output)")
            for row in rows {
                let values = row[3...].compactMap(Double.init)
                #expect(values.count == 6, "\(row)")
                guard values.count == 6 else { continue }
                #expect((0...1.0001).contains(values[0]), "hop 1's share on the named object: \(row)")
                #expect(abs(values[1...4].reduce(0, +) - 1) < 0.01, "hop 2's four shares partition its weights: \(row)")
                #expect(values[5] >= 0 && values[5] < 110, "place error in pixels: \(row)")
            }
        }
        // Only pixel-attention and word-attention have hops over the first map.
        let other = try runVQA(["hops", "--checkpoint", checkpoint("spatial-attention"), "--data", data.path])
        #expect(other.status != 0 && other.output.contains("pixel-attention and word-attention only"), "\(other.output)")
        // An image that is not the one the seed draws is named.
        let images = data.appendingPathComponent("images/val")
        let first = images.appendingPathComponent("CLEVR_val_000000.png"), second = images.appendingPathComponent("CLEVR_val_000001.png")
        try FileManager.default.removeItem(at: first)
        try FileManager.default.copyItem(at: second, to: first)
        let changed = try runVQA(["hops", "--checkpoint", checkpoint("pixel-attention"), "--data", data.path])
        #expect(changed.status != 0 && changed.output.contains("CLEVR_val_000000.png") && changed.output.contains("differs"), "\(changed.output)")
    }
}
