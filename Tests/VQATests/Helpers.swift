import Foundation
import FusionKit
import SortOfCLEVR
import VQAKit

/// A small generated data set as training arrays.
func smallData(seed: UInt64, images: Int) -> VQAData {
    VQAData(SortOfCLEVRDataset.generate(seed: seed, imageCount: images))
}

/// A narrow model of the catalogue, fast enough for debug-build tests.
func smallModel(_ name: String, seed: UInt64 = 3) throws -> any VQAModel {
    try ModelCatalog.makeModel(.sortOfCLEVR(model: name, width: 16, seed: seed))
}

/// A fresh empty folder under the temporary directory.
func temporaryFolder(_ name: String) throws -> URL {
    let folder = FileManager.default.temporaryDirectory
        .appendingPathComponent("vqa-tests-\(name)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return folder
}

/// Every tensor of the model's state, flattened, in key order.
func stateValues(_ model: any VQAModel) -> [String: [Float]] {
    model.stateDict().mapValues(\.scalars)
}
