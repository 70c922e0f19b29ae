import Foundation
import FusionKit
import Testing

@Suite("safetensors rows: written in pieces, read from a mapping")
struct SafeTensorsRowsTests {
    @Test("rows appended in pieces make the file a whole write makes; rows read back equal")
    func roundTrip() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rows-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let values = (0..<(5 * 2 * 3)).map { Float($0) * 0.5 - 3 }
        let url = folder.appendingPathComponent("features.safetensors")
        let writer = try SafeTensorsRowWriter(url: url, name: "features", shape: [5, 2, 3], metadata: ["images": "[\"a\"]"])
        try writer.append(Array(values[0..<6]))
        try writer.append(Array(values[6..<24]))
        #expect(!FileManager.default.fileExists(atPath: url.path))       // not there until finished
        try writer.append(Array(values[24...]))
        try writer.finish()
        // Byte for byte what the whole-file writer makes, and readable by it.
        let whole = folder.appendingPathComponent("whole.safetensors")
        try SafeTensors.write(["features": Tensor(values, shape: [5, 2, 3])], metadata: ["images": "[\"a\"]"], to: whole)
        #expect(try Data(contentsOf: url) == Data(contentsOf: whole))

        let reader = try SafeTensorsRowReader(contentsOf: url, tensor: "features")
        #expect(reader.shape == [5, 2, 3] && reader.rowLength == 6 && reader.metadata["images"] == "[\"a\"]")
        for row in 0..<5 { #expect(reader.row(row) == Array(values[(row * 6)..<((row + 1) * 6)])) }

        #expect(throws: SafeTensorsError.self) { try SafeTensorsRowReader(contentsOf: url, tensor: "other") }
        try SafeTensors.write(["ids": Tensor([1, 2], shape: [2])], to: whole)
        #expect(throws: SafeTensorsError.self) { try SafeTensorsRowReader(contentsOf: whole.deletingLastPathComponent()
            .appendingPathComponent("missing.safetensors"), tensor: "ids") }
    }

    @Test("a writer dropped before finishing leaves no file behind")
    func abandoned() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rows-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        do {
            let writer = try SafeTensorsRowWriter(url: folder.appendingPathComponent("x.safetensors"), name: "x", shape: [3, 2])
            try writer.append([1, 2])
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
    }
}
