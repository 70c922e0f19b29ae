import FusionKit
import Foundation

// A two-layer network learns to sort 2-D points into four quadrants, then saves its weights in
// a file PyTorch loads with safetensors.torch.load_file + load_state_dict.
var generator = RandomGenerator(seed: 7)
let points = Tensor.randomNormal([256, 2], generator: &generator)
let labels = (points.slice(0..<1, alongAxis: 1) .> 0) * 2 + (points.slice(1..<2, alongAxis: 1) .> 0)

let model = Sequential(Linear(2, 32, generator: &generator), ReLU(), Linear(32, 4, generator: &generator))
let optimizer = AdamW(model.parameters(), learningRate: 0.02)
for step in 1...200 {
    optimizer.zeroGradients()
    let loss = crossEntropyLoss(logits: model(points), targets: labels.reshaped([256]))
    loss.backward()
    optimizer.step()
    if step % 50 == 0 { print("step \(step): loss \(loss.scalar)") }
}
let predictions = withoutGradient { model(points) }.argmax(alongAxis: 1)
print("accuracy:", (predictions .== labels.reshaped([256])).mean().scalar)
let file = FileManager.default.temporaryDirectory.appendingPathComponent("quadrants.safetensors")
try model.save(to: file)
print("saved \(model.stateDict().keys.sorted()) to \(file.path)")
